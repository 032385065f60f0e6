import pytest
from django.core.management import call_command

from annualreports.models import AnnualReport

pytestmark = pytest.mark.django_db


def test_the_demo_reports_are_labelled_and_published(client, seed):
    call_command("load_demo_data", verbosity=0)
    reports = {r.title: r for r in AnnualReport.objects.select_related("record")}
    assert set(reports) == {
        "昆明市官渡区民政局2023年政府信息公开工作年度报告（演示数据）",
        "昆明市官渡区人民政府2023年政府信息公开工作年度报告（汇总）（演示数据）",
    }
    civil = reports["昆明市官渡区民政局2023年政府信息公开工作年度报告（演示数据）"]
    assert civil.status == "draft"  # the seed's 民政局 has no 组织机构代码, so no 索引号
    district = reports["昆明市官渡区人民政府2023年政府信息公开工作年度报告（汇总）（演示数据）"]
    assert district.status == "published" and district.record.title == district.title
    html = client.get(district.get_absolute_url()).content.decode()
    # Table 三 is computed from the 依申请公开 cases (the demo's, labelled 演示数据), never typed.
    assert (
        "【演示数据】" in html and "依申请公开系统未启用" not in html and "三、收到和处理政府信息公开申请情况" in html
    )
    call_command("load_demo_data", verbosity=0)  # loading again adds nothing
    assert AnnualReport.objects.count() == 2


def test_the_demo_table_three_counts_the_2023_demo_cases(seed):
    """Computed from demo cases of 民政局 in 2023 — one carried over from 2022 and one still open
    at the year's end — so the example's table 三 shows real computation, not zeros."""
    from annualreports import selectors
    from inforequests.models import Case

    call_command("load_demo_data", verbosity=0)
    civil = AnnualReport.objects.get(organization__name="昆明市官渡区民政局", year=2023)
    three = selectors.report_tables(civil).three
    assert three["new"]["total"] == 8 and three["new"]["person"] == 4 and three["new"]["commercial"] == 1
    assert three["carried_over"]["total"] == 1
    assert three["carried_forward"]["total"] == 1
    assert three["granted"]["total"] == 3 and three["denied_third_party"]["commercial"] == 1
    assert three["handled_total"]["total"] == 8
    assert all(case.is_demo and "演示数据" in case.title for case in Case.objects.filter(agency=civil.organization))
    call_command("load_demo_data", verbosity=0)
    assert Case.objects.filter(agency=civil.organization).count() == 9
