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
