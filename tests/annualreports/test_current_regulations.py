"""Table 二's 现行有效件数 against last year's report (勾稽 rule 8): this year's 现行有效 =
last year's 现行有效 + 本年制发 − 本年废止, for 规章 and 行政规范性文件, where the agency's (or
the district's consolidated) report for last year is published. Last year's figure is the one
its report published, not one counted again from today's catalogue: a record registered late,
withdrawn, or given another genre since then breaks the sum, and the report says where."""

import datetime as dt

import pytest
import time_machine

from annualreports import selectors, services
from annualreports.models import AnnualReport
from core.roles import REVIEWER
from disclosures.models import DisclosureRecord, Genre
from tests.annualreports.test_reports import member
from tests.disclosures.factories import OrganizationFactory, published

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2027, 1, 20, 4, 0, tzinfo=dt.UTC)  # noon in Shanghai: 2026 is over
RULE = "表二现行有效"
CHECK_HINT = "请核对目录中这类文件的体裁、成文日期、效力状态和失效或废止日期。"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def district():
    government = OrganizationFactory(name="某区人民政府", section_code="qzf")
    civil = OrganizationFactory(name="某区民政局", section_code="mzj", parent=government)
    return government, civil


def genre(name):
    return Genre.objects.get_or_create(name=name)[0]


def complete(report):
    report.licences, report.penalties, report.enforcement_na, report.fees = 0, 0, True, 0
    report.overview, report.problems = "<p>总体情况。</p>", "<p>存在的问题和改进措施。</p>"
    report.save()
    return report


def report(organization, year, *, consolidated=False):
    return complete(AnnualReport.objects.create(organization=organization, year=year, consolidated=consolidated))


def civil_rules(civil):
    """2025: 2 made, none repealed, 3 current. 2026: 2 made, 2 repealed, 3 current."""
    rule = genre("规范性文件")
    published("2024年制发、有效", publisher=civil, genre=rule, written_date=D(2024, 3, 1))
    published("2025年制发、有效", publisher=civil, genre=rule, written_date=D(2025, 4, 1))
    published(
        "2025年制发、2026年废止",
        publisher=civil,
        genre=rule,
        written_date=D(2025, 5, 1),
        validity="repealed",
        invalid_date=D(2026, 6, 1),
    )
    published("2026年制发、有效", publisher=civil, genre=rule, written_date=D(2026, 2, 1))
    published(
        "2026年制发、2026年失效",
        publisher=civil,
        genre=rule,
        written_date=D(2026, 3, 1),
        validity="expired",
        invalid_date=D(2026, 11, 1),
    )


def messages(report):
    return [finding.message for finding in selectors.report_findings(report) if finding.rule == RULE]


def test_current_regulations_that_follow_from_last_years_report_pass(district):
    _, civil = district
    civil_rules(civil)
    assert services.report_publish(report=report(civil, 2025)).findings == []
    this = report(civil, 2026)
    two = selectors.report_tables(this).two["规范性文件"]
    assert two == {"made": 2, "repealed": 2, "current": 3}  # 3 + 2 − 2
    assert messages(this) == []
    assert services.report_publish(report=this).findings == []


def test_a_record_registered_after_last_years_report_breaks_the_sum(district):
    """A 2024 规范性文件 registered after the 2025 report was published: counted again, 2025
    would now have 4 current, but its report said 3, and 3 + 2 − 2 is not this year's 4. The
    report cannot be published without a reason, which a 审核员 may give."""
    _, civil = district
    civil_rules(civil)
    services.report_publish(report=report(civil, 2025))
    published("2024年制发、补录", publisher=civil, genre=genre("规范性文件"), written_date=D(2024, 9, 1))
    this = report(civil, 2026)
    expected = (
        "表二“行政规范性文件”行：上一年度年报“现行有效件数”为 3，本年制发 2 件、废止 2 件，"
        f"“现行有效件数”应为 3 + 2 − 2 = 3，而本年为 4。{CHECK_HINT}"
    )
    assert messages(this) == [expected]

    with pytest.raises(services.ReportChecksFailed) as failed:
        services.report_publish(report=this)
    assert expected in failed.value.messages
    this.refresh_from_db()
    assert this.status == AnnualReport.Status.DRAFT

    reviewer = member("reviewer", REVIEWER, civil)
    result = services.report_publish(report=this, user=reviewer, override_reason="2024年文件补录入目录")
    assert [f.message for f in result.findings if f.rule == RULE] == [expected]
    this.refresh_from_db()
    assert this.status == AnnualReport.Status.PUBLISHED and this.override_reason == "2024年文件补录入目录"


def test_no_published_report_for_last_year_no_finding(district):
    """Without last year's published report there is nothing to compare: a draft does not count."""
    _, civil = district
    civil_rules(civil)
    published("2024年制发、补录", publisher=civil, genre=genre("规范性文件"), written_date=D(2024, 9, 1))
    this = report(civil, 2026)
    assert messages(this) == []
    report(civil, 2025)  # a draft
    assert messages(this) == []
    assert services.report_publish(report=this).findings == []


def test_the_consolidated_report_follows_last_years_consolidated_report(district):
    """The district's consolidated report is compared with its consolidated report of last year,
    the agency's own with its own (here none). A 规范性文件 given the genre 规章 after the 2025
    reports were published moves one from a row to the other."""
    government, civil = district
    civil_rules(civil)
    rule = DisclosureRecord.objects.get(title="2024年制发、有效")
    published("区政府规章", publisher=government, genre=genre("规章"), written_date=D(2025, 7, 1))
    assert services.report_publish(report=report(government, 2025, consolidated=True)).findings == []
    consolidated = report(government, 2026, consolidated=True)
    assert messages(consolidated) == []

    DisclosureRecord.objects.filter(pk=rule.pk).update(genre=genre("规章"))
    assert messages(consolidated) == [
        "表二“规章”行：上一年度年报“现行有效件数”为 1，本年制发 0 件、废止 0 件，"
        f"“现行有效件数”应为 1 + 0 − 0 = 1，而本年为 2。{CHECK_HINT}",
        "表二“行政规范性文件”行：上一年度年报“现行有效件数”为 3，本年制发 2 件、废止 2 件，"
        f"“现行有效件数”应为 3 + 2 − 2 = 3，而本年为 2。{CHECK_HINT}",
    ]
    # The 民政局 has no 2025 report of its own; the government's own is not the consolidated one.
    assert messages(report(civil, 2026)) == []
    assert messages(report(government, 2026)) == []
