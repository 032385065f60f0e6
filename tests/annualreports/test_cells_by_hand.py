"""年报 table 三, cell by cell, from cases made through the 依申请公开 services (as staff and
applicants make them), against figures worked out by hand from the 2021 template's definitions:

- 一、本年新收: received (Art. 31 date, Asia/Shanghai) in the year, whatever became of it;
- 二、上年结转: received before 1 January and not answered before it (= last year's 四);
- 三、办理结果: answered (答复/办结 date) in the year, one leaf per case (部分公开 only as such);
- 四、结转下年度: received by 31 December and not answered by then;
- columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计.

Edge cases: a case confirmed online at 23:30 on 31 December (Beijing time, 15:30 UTC) is that
year's; 逾期不补正 and 逾期未缴费 closings land in their own 其他处理 rows, in the year the
applicant's time ran out; a 重复申请 is a new request and a 不予处理/重复申请 outcome; a request
split into items (一事一申请) is one request; a withdrawn request (撤回) is received and closed as 其他处理/其他;
a request for another agency's information is 无法提供/本机关不掌握. The agency's report, the
district's consolidated report, the staff 年报表三 page and the public page, CSV and statistics
are compared with the same figures."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.cache import cache

from annualreports import selectors, services
from annualreports import tables as t
from annualreports.models import AnnualReport
from inforequests import selectors as request_selectors
from inforequests import services as requests
from inforequests.models import Case, Outcome
from tests.disclosures.factories import OrganizationFactory
from tests.inforequests.factories import CREDIT_CODE, OTHER_PERSON_ID, AgencyFactory, make_case, staff_user
from tests.inforequests.test_public import confirm, form_data
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2027, 1, 20, 4, 0, tzinfo=dt.UTC)  # Wednesday noon in Shanghai, 2026 is over
COLUMNS = ["person", "commercial", "research", "social", "legal", "other_org"]


def row(**cells):
    """A table 三 row: the named columns, 0 elsewhere, and 总计 as their sum."""
    values = {column: cells.get(column, 0) for column in COLUMNS}
    values["total"] = sum(values.values())
    return values


def expected(new, carried_over, outcomes, carried_forward):
    table = {key: row() for key in t.ROW_ORDER}
    table[t.NEW], table[t.CARRIED_OVER], table[t.CARRIED_FORWARD] = new, carried_over, carried_forward
    handled = {column: 0 for column in COLUMNS}
    for outcome, cells in outcomes.items():
        table[outcome] = cells
        for column in COLUMNS:
            handled[column] += cells[column]
    table[t.HANDLED_TOTAL] = row(**handled)
    return table


@pytest.fixture
def district():
    with time_machine.travel(NOW, tick=False):
        government = OrganizationFactory(name="某区人民政府", section_code="qzf")
        civil = OrganizationFactory(name="某区民政局", section_code="mzj", parent=government)
        transport = OrganizationFactory(name="某区交通运输局", section_code="jtj", parent=government)
        AgencyFactory(organization=civil)
        yield government, civil, transport


def reply(case, outcome, on, text="答复"):
    return requests.case_reply(case=case, outcome=outcome, replied_on=on, reply_text=text)


def civil_cases(civil, client):
    made = {}
    # Received 30 Dec 2025, answered 8 Jan 2026: 上年结转, 部分公开.
    made["carried"] = reply(make_case(agency=civil, received_on=D(2025, 12, 30)), Outcome.PARTIAL, D(2026, 1, 8))
    # Received and answered in 2025: no cell of 2026.
    made["old"] = reply(make_case(agency=civil, received_on=D(2025, 6, 2)), Outcome.GRANTED, D(2025, 6, 20))
    # 补正 asked in December 2025, never given: closed 逾期不补正 in January 2026 (the reminder run).
    lapsed = make_case(
        agency=civil,
        received_on=D(2025, 12, 15),
        applicant_type="research",
        id_type="credit_code",
        id_number=CREDIT_CODE,
    )
    lapsed = requests.case_request_correction(case=lapsed, notice_on=D(2025, 12, 16), reason="请写明文号")
    made["no_correction"] = requests.case_close_lapsed(case=lapsed, today=lapsed.waiting_until + dt.timedelta(days=1))
    # A company's eleventh request of the month, in eleven items (一事一申请): one request;
    # the fee asked for and never paid: 逾期未缴费.
    company = dict(applicant_type="commercial", id_type="credit_code", id_number=CREDIT_CODE)
    unpaid = make_case(agency=civil, received_on=D(2026, 3, 2), items=[f"事项{n}" for n in range(1, 12)], **company)
    unpaid = requests.case_request_fee(case=unpaid, notice_on=D(2026, 3, 3))
    made["unpaid"] = requests.case_close_lapsed(case=unpaid, today=unpaid.waiting_until + dt.timedelta(days=1))
    # Answered; then the same person asks the same again: 重复申请 (不予处理), a new request all the same.
    first = reply(make_case(agency=civil, received_on=D(2026, 4, 1)), Outcome.GRANTED, D(2026, 4, 10))
    again = requests.case_link_duplicate(case=make_case(agency=civil, received_on=D(2026, 5, 6)), original=first)
    made["granted"], made["repeat"] = first, reply(again, Outcome.NOT_PROCESSED_REPEAT, D(2026, 5, 8))
    # Withdrawn by a 社会公益组织: closed as 其他处理/其他.
    withdrawn = make_case(agency=civil, received_on=D(2026, 6, 1), applicant_type="social", id_type="credit_code")
    made["withdrawn"] = reply(withdrawn, Outcome.OTHER, D(2026, 6, 3), "申请人撤回申请")
    # A law firm asking for another agency's information: 无法提供/本机关不掌握.
    other_agency = make_case(agency=civil, received_on=D(2026, 7, 1), applicant_type="legal", id_type="credit_code")
    made["not_held"] = reply(
        other_agency, Outcome.UNABLE_NOT_HELD, D(2026, 7, 10), "不属于本机关负责公开，请向区住建局申请"
    )
    # Split after receipt into two items, answered once: one request.
    split = requests.case_split(case=make_case(agency=civil, received_on=D(2026, 8, 3)), descriptions=["甲", "乙"])
    made["split"] = reply(split, Outcome.DENIED_PROCESS, D(2026, 8, 10))
    # Received 28 December, answered 5 January 2027: 结转下年度.
    late = make_case(agency=civil, received_on=D(2026, 12, 28), applicant_type="other_org", id_type="credit_code")
    made["late"] = reply(late, Outcome.GRANTED, D(2027, 1, 5))
    # Confirmed online at 23:30 on 31 December, Beijing time (15:30 UTC): a 2026 request.
    with time_machine.travel(dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC), tick=False):
        response = confirm(client, form_data(civil, id_number=OTHER_PERSON_ID, phone="13800000001"))
        assert response.status_code == 302
    made["new_year_eve"] = Case.objects.get(channel=Case.Channel.ONLINE)
    # Received in 2027: no cell of 2026.
    made["next_year"] = make_case(agency=civil, received_on=D(2027, 1, 4))
    return made


CIVIL_2026 = expected(
    new=row(person=4, commercial=1, social=1, legal=1, other_org=1),
    carried_over=row(person=1, research=1),
    outcomes={
        "partial": row(person=1),
        "other_no_correction": row(research=1),
        "other_unpaid": row(commercial=1),
        "granted": row(person=1),
        "np_repeat": row(person=1),
        "other": row(social=1),
        "unable_not_held": row(legal=1),
        "denied_process": row(person=1),
    },
    carried_forward=row(person=1, other_org=1),
)
CIVIL_2025 = expected(
    new=row(person=2, research=1),
    carried_over=row(),
    outcomes={"granted": row(person=1)},
    carried_forward=row(person=1, research=1),
)
TRANSPORT_2026 = expected(
    new=row(commercial=1),
    carried_over=row(person=1),
    outcomes={"granted": row(commercial=1)},
    carried_forward=row(person=1),
)
GOVERNMENT_2026 = expected(
    new=row(person=1), carried_over=row(), outcomes={"denied_secret": row(person=1)}, carried_forward=row()
)


def other_cases(government, transport):
    company = dict(applicant_type="commercial", id_type="credit_code", id_number=CREDIT_CODE)
    reply(make_case(agency=transport, received_on=D(2026, 2, 2), **company), Outcome.GRANTED, D(2026, 2, 10))
    make_case(agency=transport, received_on=D(2025, 11, 3))  # open all through 2026
    reply(make_case(agency=government, received_on=D(2026, 9, 1)), Outcome.DENIED_SECRET, D(2026, 9, 10))


def complete(report):
    report.licences, report.penalties, report.enforcement_na, report.fees = 0, 0, True, 0
    report.overview, report.problems = "<p>总体情况。</p>", "<p>存在的问题和改进措施。</p>"  # 条例第五十条
    report.save()
    return report


def test_every_cell_of_table_three_for_an_agency_and_the_district(client, district):
    government, civil, transport = district
    with time_machine.travel(NOW, tick=False):
        made = civil_cases(civil, client)
        other_cases(government, transport)
        assert made["new_year_eve"].received_on == D(2026, 12, 31)
        assert made["unpaid"].items.count() == 11 and made["split"].items.count() == 2
        assert made["no_correction"].replied_on.year == 2026 and made["unpaid"].replied_on.year == 2026

        assert t.table_three([civil], 2026) == CIVIL_2026
        assert t.table_three([civil], 2025) == CIVIL_2025
        assert t.table_three([transport], 2026) == TRANSPORT_2026
        assert t.table_three([government], 2026) == GOVERNMENT_2026
        # The identity, and last year's 四 is this year's 二.
        for column in [*COLUMNS, "total"]:
            assert (
                CIVIL_2026[t.NEW][column] + CIVIL_2026[t.CARRIED_OVER][column]
                == CIVIL_2026[t.HANDLED_TOTAL][column] + CIVIL_2026[t.CARRIED_FORWARD][column]
            )
        assert CIVIL_2025[t.CARRIED_FORWARD] == CIVIL_2026[t.CARRIED_OVER]

        # The agency's own reports, published in turn: no finding, and the page shows the figures.
        last = complete(AnnualReport.objects.create(organization=civil, year=2025))
        assert services.report_publish(report=last, override_reason="").findings == []
        report = complete(AnnualReport.objects.create(organization=civil, year=2026))
        assert selectors.report_tables(report).three == CIVIL_2026
        assert services.report_publish(report=report).findings == []

        # The district's consolidated report: the cell-by-cell sum of its units, the government's own included.
        for unit in (government, transport):
            complete(AnnualReport.objects.create(organization=unit, year=2026))
        consolidated = complete(AnnualReport.objects.create(organization=government, year=2026, consolidated=True))
        district_2026 = t.add_tables([CIVIL_2026, TRANSPORT_2026, GOVERNMENT_2026])
        assert district_2026[t.NEW]["total"] == 10 and district_2026[t.CARRIED_FORWARD]["total"] == 3
        assert selectors.report_tables(consolidated).three == district_2026
        assert selectors.report_findings(consolidated) == []
        assert services.report_publish(report=consolidated).findings == []
        lines = csv.reader(
            io.StringIO(client.get("/annual-reports/qzf/2026/consolidated/report.csv").content.decode("utf-8-sig"))
        )
        by_label = {line[0]: line[1:] for line in lines if line}
        for key in t.ROW_ORDER:
            assert by_label[t.ROW_LABELS[key]] == [str(district_2026[key][c]) for c in [*COLUMNS, "total"]], key

        # The public page and its CSV show the same cells.
        html = client.get("/annual-reports/mzj/2026/").content.decode()
        table = re.search(r'<table[^>]*id="table-three".*?</table>', html, re.S).group(0)
        for key in t.ROW_ORDER:
            label = re.escape(t.ROW_LABELS[key])
            cells = re.search(rf"<th [^>]*scope=\"row\"[^>]*>{label}</th>((?:<td[^>]*>\d+</td>)+)", table).group(1)
            assert [int(n) for n in re.findall(r">(\d+)<", cells)] == [
                CIVIL_2026[key][c] for c in [*COLUMNS, "total"]
            ], key
        lines = list(
            csv.reader(io.StringIO(client.get("/annual-reports/mzj/2026/report.csv").content.decode("utf-8-sig")))
        )
        by_label = {line[0]: line[1:] for line in lines if line}
        for key in t.ROW_ORDER:
            assert by_label[t.ROW_LABELS[key]] == [str(CIVIL_2026[key][c]) for c in [*COLUMNS, "total"]], key

        # The staff 年报表三 page counts the same (its own query, in inforequests).
        staff = request_selectors.annual_report(cases=Case.objects.filter(agency=civil), year=2026)
        rows = dict(staff["rows"])
        assert rows["一、本年新收申请数量"] == [CIVIL_2026[t.NEW][c] for c in [*COLUMNS, "total"]]
        assert rows["二、上年结转申请数量"] == [CIVIL_2026[t.CARRIED_OVER][c] for c in [*COLUMNS, "total"]]
        for outcome in Outcome:
            assert rows["三、" + outcome.label] == [CIVIL_2026[outcome.value][c] for c in [*COLUMNS, "total"]]
        assert rows["三、（七）总计"] == [CIVIL_2026[t.HANDLED_TOTAL][c] for c in [*COLUMNS, "total"]]
        assert rows["四、结转下年度继续办理"] == [CIVIL_2026[t.CARRIED_FORWARD][c] for c in [*COLUMNS, "total"]]
        district_staff = dict(request_selectors.annual_report(cases=Case.objects.all(), year=2026)["rows"])
        assert district_staff["一、本年新收申请数量"][-1] == district_2026[t.NEW]["total"]
        assert district_staff["四、结转下年度继续办理"][-1] == district_2026[t.CARRIED_FORWARD]["total"]
        sign_in_staff(client, staff_user("clerk", civil))
        page = client.get("/disclosures/apply/staff/report/", {"year": 2026}).content.decode()
        assert page.count("<td>8</td>") >= 2  # 新收 and 总计 totals

    # The public statistics page has no year view; on 31 December its 近12个月 are the year, and
    # the months add up to 本年新收.
    with time_machine.travel(dt.datetime(2026, 12, 31, 15, 40, tzinfo=dt.UTC), tick=False):
        cache.clear()
        client.logout()
        stats = client.get(f"/disclosures/apply/statistics/{civil.pk}/").content.decode()
        months = dict(re.findall(r"<tr><td>(\d{4}-\d{2})</td><td>(\d+)</td></tr>", stats))
        assert sum(int(n) for month, n in months.items() if month.startswith("2026-")) == CIVIL_2026[t.NEW]["total"]


def test_table_two_regulations_cell_by_cell(district):
    """本年制发 = 成文日期 in the year; 本年废止 = 失效/废止 dated in the year; 现行有效 = made by
    31 December and not yet 失效/废止 then. Records not public (draft, withdrawn, scheduled) are
    not counted; a record made in 2025 and put online in 2026 is 2025's."""
    from disclosures.models import DisclosureRecord, Genre
    from tests.disclosures.factories import draft, published, scheduled, withdrawn

    government, civil, _ = district
    rule, regulation = (Genre.objects.get_or_create(name=name)[0] for name in ("规范性文件", "规章"))
    with time_machine.travel(NOW, tick=False):

        def rule_of(title, written, **kwargs):
            return published(title, publisher=civil, genre=rule, written_date=written, **kwargs)

        rule_of("2026年制发、有效", D(2026, 3, 1))
        rule_of("2024年制发、2026年废止", D(2024, 5, 1), validity="repealed", invalid_date=D(2026, 6, 1))
        rule_of("2026年制发、2026年失效", D(2026, 2, 1), validity="expired", invalid_date=D(2026, 11, 1))
        rule_of("2025年制发、有效", D(2025, 1, 1))
        rule_of(
            "2025年12月31日制发、2026年上网",
            D(2025, 12, 31),
            published_at=dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC),
        )
        rule_of("2026年制发、2027年2月1日起废止", D(2026, 5, 1), validity="repealed", invalid_date=D(2027, 2, 1))
        withdrawn("2026年制发、已撤回", publisher=civil, genre=rule, written_date=D(2026, 4, 1))
        draft("2026年制发、草稿", publisher=civil, genre=rule, written_date=D(2026, 12, 31))
        scheduled("2026年制发、定时发布", publisher=civil, genre=rule, written_date=D(2026, 12, 30))
        published("区政府规章", publisher=government, genre=regulation, written_date=D(2026, 7, 1))
        published("其他体裁", publisher=civil, written_date=D(2026, 7, 1))

        civil_2026 = selectors.regulation_counts([civil], 2026)
        assert civil_2026 == {
            "规章": {"made": 0, "repealed": 0, "current": 0},
            "规范性文件": {"made": 3, "repealed": 2, "current": 4},
        }
        civil_2025 = selectors.regulation_counts([civil], 2025)
        assert civil_2025["规范性文件"] == {"made": 2, "repealed": 0, "current": 3}
        # 现行有效 this year = last year's + 本年制发 − 本年废止.
        assert 3 + 3 - 2 == civil_2026["规范性文件"]["current"]
        district_2026 = selectors.regulation_counts([government, civil], 2026)
        assert district_2026["规章"] == {"made": 1, "repealed": 0, "current": 1}
        assert district_2026["规范性文件"] == civil_2026["规范性文件"]
        consolidated = AnnualReport.objects.create(organization=government, year=2026, consolidated=True)
        two = selectors.report_tables(consolidated).two
        assert (two["规章"], two["规范性文件"]) == (district_2026["规章"], district_2026["规范性文件"])
        assert DisclosureRecord.objects.filter(genre=rule).count() == 9


def test_a_case_of_last_year_entered_after_its_report_was_published_is_flagged(district):
    """上年结转 must equal last year's published 结转下年度: a letter received on 29 December and
    registered after the 2025 report was published breaks that, and the 2026 report says where."""
    _, civil, _ = district
    with time_machine.travel(NOW, tick=False):
        make_case(agency=civil, received_on=D(2025, 12, 30))
        services.report_publish(report=complete(AnnualReport.objects.create(organization=civil, year=2025)))
        make_case(agency=civil, received_on=D(2025, 12, 29), channel=Case.Channel.POST)  # entered late
        report = complete(AnnualReport.objects.create(organization=civil, year=2026))
        findings = [f.message for f in selectors.report_findings(report) if f.rule == "上年结转"]
    assert findings == [
        "表三“自然人”列：上一年度年报“结转下年度继续办理”为 1，本年“上年结转”为 2。",
        "表三“总计”列：上一年度年报“结转下年度继续办理”为 1，本年“上年结转”为 2。",
    ]


def test_a_correction_lapsing_on_31_december_is_that_years_even_when_the_run_comes_days_later(district):
    """The applicant's 补正 period ends with 31 December, Beijing time: the case lapses then. It
    was dated the day the reminder run closed it, so with cron down over New Year it became
    2027's 逾期不补正 and 2026's 结转下年度. It is 2026's whenever the run comes; the 告知书 is
    dated the day it is issued."""
    from django.core.management import call_command

    _, civil, _ = district
    with time_machine.travel(dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC), tick=False):  # 23:30 in Beijing
        case = make_case(agency=civil, received_on=D(2026, 12, 21))
        requests.case_request_correction(
            case=case, notice_on=D(2026, 12, 22), reason="请写明文号", waiting_until=D(2026, 12, 31)
        )
        call_command("send_request_reminders")
        assert Case.objects.get(pk=case.pk).state == Case.State.CORRECTION  # the last day is the applicant's
    with time_machine.travel(dt.datetime(2027, 1, 2, 2, 0, tzinfo=dt.UTC), tick=False):  # 10:00 on 2 January
        call_command("send_request_reminders")  # the first run since
        case.refresh_from_db()
        assert (case.outcome, case.replied_on) == (Outcome.OTHER_NO_CORRECTION, D(2026, 12, 31))
        assert case.events.get(action="逾期终止").effective_on == D(2026, 12, 31)
        assert case.notices.get(key=Outcome.OTHER_NO_CORRECTION).issued_on == D(2027, 1, 2)
        year = t.table_three([civil], 2026)
        assert year["other_no_correction"] == year[t.HANDLED_TOTAL] == row(person=1)
        assert year[t.CARRIED_FORWARD] == row()
        following = t.table_three([civil], 2027)
        assert following[t.CARRIED_OVER] == following["other_no_correction"] == row()
        staff = dict(request_selectors.annual_report(cases=Case.objects.filter(agency=civil), year=2026)["rows"])
        assert staff["三、" + Outcome.OTHER_NO_CORRECTION.label][-1] == 1
        assert staff["四、结转下年度继续办理"][-1] == 0
