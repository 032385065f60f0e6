"""The parts of a 年报 that staff write (条例第五十条): 一、总体情况 and 五、存在的主要问题及改进情况
are not published empty (五 not as a bare “无”), and 六 reports the 信息处理费 collected in the
year (the 2021 format), as 勾稽 findings: a 审核员 may still publish with a recorded reason."""

import datetime as dt
from decimal import Decimal

import pytest

from annualreports import selectors, services
from annualreports.models import AnnualReport
from core.roles import REVIEWER
from inforequests.models import Case
from tests.annualreports.test_reports import complete, member, orgs  # noqa: F401 (fixture)
from tests.inforequests.factories import make_case

pytestmark = pytest.mark.django_db


def _sections(report):
    return [f.message for f in selectors.report_findings(report) if f.rule == "正文"]


def test_a_report_without_its_overview_or_its_problems_is_not_published_silently(orgs):  # noqa: F811
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = complete(AnnualReport.objects.create(organization=civil, year=2023), overview="", problems="<p>无。</p>")
    found = _sections(report)
    assert len(found) == 2
    assert found[0].startswith("“一、总体情况”未填写") and found[1].startswith(
        "“五、存在的主要问题及改进情况”未填写或只写“无”"
    )
    with pytest.raises(services.ReportChecksFailed) as failed:
        services.report_publish(report=report, user=reviewer)
    assert [f.message for f in failed.value.findings if f.rule == "正文"] == found
    assert AnnualReport.objects.get(pk=report.pk).status == AnnualReport.Status.DRAFT

    # Blank markup says nothing either; written text passes.
    complete(report, overview="<p>&nbsp;</p><p> </p>", problems="<p>暂无</p>")
    assert len(_sections(report)) == 2
    complete(
        report, overview="<p>本年度主动公开政府信息120条。</p>", problems="<p>公开内容不够及时，明年按月检查。</p>"
    )
    assert _sections(report) == []
    assert services.report_publish(report=report, user=reviewer).findings == []


def test_information_processing_fees_collected_in_the_year_are_reported_in_part_six(orgs):  # noqa: F811
    district, civil = orgs
    paid = make_case(agency=civil, received_on=dt.date(2023, 3, 1))
    Case.objects.filter(pk=paid.pk).update(fee_amount=Decimal("100.00"), paid_on=dt.date(2023, 3, 20))
    # Paid the year after: not this year's.
    later = make_case(agency=civil, received_on=dt.date(2023, 12, 1))
    Case.objects.filter(pk=later.pk).update(fee_amount=Decimal("200.00"), paid_on=dt.date(2024, 1, 5))
    report = complete(AnnualReport.objects.create(organization=civil, year=2023))
    assert _sections(report) == [
        "本年度收取信息处理费1件、共100元，“六、其他需要报告的事项”须报告收取信息处理费的情况（国办公开办函〔2021〕30号年报格式）。"
    ]
    # The district's consolidated report counts its departments' fees too.
    consolidated = complete(AnnualReport.objects.create(organization=district, year=2023, consolidated=True))
    assert any("信息处理费1件" in message for message in _sections(consolidated))
    complete(report, other_matters="<p>本年度依据《政府信息公开信息处理费管理办法》收取信息处理费1件，共100元。</p>")
    assert _sections(report) == []
    # A year with none asks nothing of part 六.
    assert _sections(complete(AnnualReport.objects.create(organization=civil, year=2022))) == []
