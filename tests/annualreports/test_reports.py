"""Annual reports in the database: table 二 from the catalogue, publishing behind the 勾稽
checks (a 审核员 may override with a recorded reason), agency scoping, the public page and its
CSV/XLSX downloads equal to the HTML, the record in the 年报 column, the staff reminder."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import load_workbook

from annualreports import selectors, services
from annualreports import tables as t
from annualreports.models import AnnualReport, ReviewCase
from core.roles import ENTRY_CLERK, REVIEWER
from disclosures.models import AgencyMembership, DisclosureRecord, Genre
from tests.annualreports.test_tables import cases
from tests.disclosures.factories import OrganizationFactory, published
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    district = OrganizationFactory(name="某区人民政府", section_code="qzf")
    civil = OrganizationFactory(name="某区民政局", section_code="mzj", parent=district)
    return district, civil


def member(username, group, organization):
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    AgencyMembership.objects.create(user=user, organization=organization)
    return User.objects.get(pk=user.pk)


def complete(report, **fields):
    values = {
        "licences": 3,
        "penalties": 0,
        "enforcement_na": True,
        "fees": Decimal("0.5"),
        # 条例第五十条: parts 一 and 五 are written (selectors.section_findings).
        "overview": report.overview or "<p>总体情况。</p>",
        "problems": report.problems or "<p>存在的问题和改进措施。</p>",
        **fields,
    }
    for name, value in values.items():
        setattr(report, name, value)
    report.save()
    return report


def test_table_two_regulations_come_from_the_catalogue(orgs):
    _, civil = orgs
    rule = Genre.objects.get_or_create(name="规范性文件")[0]
    published("2023年制发", publisher=civil, genre=rule, written_date=dt.date(2023, 4, 1))
    published(
        "2020年制发、2023年废止",
        publisher=civil,
        genre=rule,
        written_date=dt.date(2020, 4, 1),
        validity="repealed",
        invalid_date=dt.date(2023, 6, 1),
    )
    published("2021年制发、仍有效", publisher=civil, genre=rule, written_date=dt.date(2021, 4, 1))
    published("2024年制发", publisher=civil, genre=rule, written_date=dt.date(2024, 2, 1))
    published("其他体裁", publisher=civil, written_date=dt.date(2023, 4, 1))
    counts = selectors.regulation_counts([civil], 2023)
    assert counts["规范性文件"] == {"made": 1, "repealed": 1, "current": 2}
    assert counts["规章"] == {"made": 0, "repealed": 0, "current": 0}


def test_a_report_with_a_failed_check_is_not_published(orgs):
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = AnnualReport.objects.create(organization=civil, year=2023)  # table 二 not filled in
    with pytest.raises(services.ReportChecksFailed) as failed:
        services.report_publish(report=report, user=reviewer)
    assert any("“行政许可”未填写" in m for m in failed.value.messages)
    report.refresh_from_db()
    assert report.status == "draft" and report.record is None

    # A 录入员 cannot publish at all, so cannot override either.
    clerk = member("clerk", ENTRY_CLERK, civil)
    with pytest.raises(PermissionDenied):
        services.report_publish(report=report, user=clerk, override_reason="赶时间")

    # A 审核员 may, with a reason, which is kept.
    result = services.report_publish(
        report=report, user=reviewer, override_reason="行政许可数据由市级系统统计，尚未提供"
    )
    report.refresh_from_db()
    assert report.status == "published" and report.overridden_by == reviewer
    assert report.override_reason == "行政许可数据由市级系统统计，尚未提供"
    assert "未通过勾稽校验" in report.history.first().history_change_reason
    assert result.record.status == "published" and result.record.genre.name == "政府信息公开年报"


def test_a_complete_report_is_published_into_the_catalogue_and_the_agencys_column(client, orgs):
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = complete(AnnualReport.objects.create(organization=civil, year=2023, overview="<p>总体情况正文。</p>"))
    ReviewCase.objects.create(report=report, kind="reconsideration", result="upheld")
    result = services.report_publish(report=report, user=reviewer)
    assert result.findings == []
    record = DisclosureRecord.objects.published().get(pk=result.record.pk)
    assert record.publisher == civil and record.title == "某区民政局2023年政府信息公开工作年度报告"
    assert "总体情况正文" in record.body and "<caption>四、政府信息公开行政复议、行政诉讼情况</caption>" in record.body
    assert record.title in client.get("/gk/mzj/annual-reports/").content.decode()
    assert record.title in client.get("/disclosures/", {"publisher": civil.pk}).content.decode()
    # What was published stays as it was, whatever is entered later.
    ReviewCase.objects.create(report=report, kind="reconsideration", result="corrected")
    report.refresh_from_db()
    assert selectors.report_tables(report).four["reconsideration"]["total"] == 1


def test_drafts_are_not_public(client, orgs):
    _, civil = orgs
    complete(AnnualReport.objects.create(organization=civil, year=2023))
    assert client.get("/annual-reports/mzj/2023/").status_code == 404
    assert client.get("/annual-reports/mzj/2023/report.csv").status_code == 404


def test_staff_of_another_agency_cannot_touch_the_report(client, orgs):
    district, civil = orgs
    report = complete(AnnualReport.objects.create(organization=district, year=2023))
    editor = member("mzj-reviewer", REVIEWER, civil)
    with pytest.raises(PermissionDenied):
        services.report_publish(report=report, user=editor)
    sign_in_staff(client, editor)
    base = "/admin/annualreports/annualreport/"
    assert "某区人民政府2023年" not in client.get(base).content.decode()
    for suffix in ("change/", "delete/"):
        response = client.get(f"{base}{report.pk}/{suffix}")
        assert response.status_code in (302, 403, 404) and "某区人民政府2023年" not in response.content.decode()
    assert client.get(f"{base}{report.pk}/history/").status_code == 404
    client.post(base, {"action": "publish_selected", "_selected_action": [report.pk]})
    client.post(f"{base}{report.pk}/delete/", {"post": "yes"})
    report.refresh_from_db()
    assert report.status == "draft"
    response = client.post(
        f"{base}add/",
        {"organization": district.pk, "year": 2024, "review_cases-TOTAL_FORMS": 0, "review_cases-INITIAL_FORMS": 0},
    )
    assert "只能选择您所在的机构" in response.content.decode()


def test_the_carried_over_figure_must_match_last_years_report(orgs):
    _, civil = orgs
    last = t.tabulate_requests(cases(), 2022)
    AnnualReport.objects.create(
        organization=civil,
        year=2022,
        status="published",
        tables={
            "two": {},
            "three": {**last, t.CARRIED_FORWARD: {**last[t.CARRIED_FORWARD], "person": 5, "total": 5}},
            "four": {},
        },
    )
    report = complete(AnnualReport.objects.create(organization=civil, year=2023))
    three = t.tabulate_requests(cases(), 2023)
    findings = t.check_tables(
        selectors.tables_from_json({"two": selectors.entered_figures(report), "three": three, "four": {}}),
        previous=selectors.report_tables(selectors.previous_report(report)),
    )
    assert [f.rule for f in findings if f.rule == "上年结转"]
    assert any("上一年度年报“结转下年度继续办理”为 5" in f.message for f in findings)


def _published_with_three(civil):
    tables = t.Tables(
        two={
            **selectors.regulation_counts([civil], 2023),
            "licences": 0,
            "penalties": None,
            "enforcement": t.NOT_APPLICABLE,
            "fees": Decimal("12.5"),
        },
        three=t.tabulate_requests(cases(), 2023),
        four=t.tabulate_reviews([("litigation_direct", "pending")]),
    )
    return AnnualReport.objects.create(
        organization=civil,
        year=2023,
        status="published",
        tables=selectors.tables_to_json(tables),
        record=published(title="某区民政局2023年政府信息公开工作年度报告", publisher=civil),
    )


def _html_tables(html):
    """Each <table>: (caption, body rows as lists of cell texts)."""
    found = []
    for table in re.findall(r"<table\b.*?</table>", html, re.S):
        caption = unescape(re.search(r"<caption>(.*?)</caption>", table, re.S).group(1))
        body = "".join(re.findall(r"<tbody>(.*?)</tbody>", table, re.S))
        rows = [
            [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
        found.append((caption, rows))
    return found


def test_the_page_has_accessible_tables_and_the_downloads_equal_it(client, orgs):
    _, civil = orgs
    _published_with_three(civil)
    html = client.get("/annual-reports/mzj/2023/").content.decode()
    page_tables = [(caption, rows) for caption, rows in _html_tables(html) if caption != "政府信息公开工作机构联系方式"]
    assert [caption for caption, _ in page_tables] == [
        "二、主动公开政府信息情况：规章和行政规范性文件",
        "二、主动公开政府信息情况：行政许可、行政处罚、行政强制和行政事业性收费",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    # Table 三's two-row header: 法人或其他组织 is a column group over its five kinds.
    three = re.search(r'<table[^>]*id="table-three".*?</table>', html, re.S).group(0)
    assert '<th id="three-h0-2" scope="colgroup" colspan="5">法人或其他组织</th>' in three
    assert (
        '<th id="three-h0-1" scope="col" rowspan="2">自然人</th>' in three and '<colgroup span="5"></colgroup>' in three
    )
    # Groups nested in 三、本年度办理结果 are named by their leaves' headers (H43), not by scope.
    assert '<th id="three-r2" scope="rowgroup" colspan="8"><span>三、本年度办理结果</span></th>' in three
    assert '<th id="three-r5" scope="row" headers="three-r2" colspan="8"><span>（三）不予公开</span></th>' in three
    assert (
        '<th id="three-r6" scope="row" headers="three-r2 three-r5">1.属于国家秘密</th>'
        '<td headers="three-h0-1 three-r2 three-r5 three-r6">1</td>'
    ) in three
    # Empty, zero and not applicable read differently.
    decisions = dict((row[0], row[2]) for row in page_tables[1][1])
    assert decisions == {"行政许可": "0", "行政处罚": "未填写", "行政强制": "不适用", "行政事业性收费": "12.5"}

    expected = []
    for caption, rows in page_tables:
        expected.append([caption])
        expected += [row + [""] * (len(rows[0]) - len(row)) if len(row) == 1 else row for row in rows]

    response = client.get("/annual-reports/mzj/2023/report.csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    csv_cells = _without_headers(lines[1:])
    assert csv_cells == _flat(expected) and len(csv_cells) == 4 + 2 + 4 + 30 + 1, csv_cells

    response = client.get("/annual-reports/mzj/2023/report.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    xlsx_rows = []
    for ws in book.worksheets:
        xlsx_rows.append([])
        xlsx_rows += [["" if v is None else str(v) for v in row] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert _without_headers(xlsx_rows) == _flat(expected)
    assert book.worksheets[1]["C3"].value == 0 or any(
        c.value == 0 for row in book.worksheets[1].iter_rows() for c in row
    )  # a figure is a number


def _flat(rows):
    return [[cell for cell in row if cell != ""] for row in rows]


def _without_headers(lines):
    """Drop blank separators and each table's header rows (the rows between a caption and the
    first row whose first cell is a row heading the HTML also has)."""
    kept, skipping = [], False
    captions = {"二、", "三、", "四、"}
    for line in lines:
        cells = [c for c in line if c != ""]
        if not cells:
            continue
        if any(cells[0].startswith(prefix) and "情况" in cells[0] and len(cells) == 1 for prefix in captions):
            kept.append(cells)
            skipping = True
            continue
        if skipping and (
            cells[0] in {"信息内容", "项目"}
            or cells[0].startswith("（本列数据")
            or cells[0] in {"商业企业", "未经复议直接起诉", "结果维持"}
            or cells == ["自然人", "法人或其他组织", "总计"]
        ):
            continue
        skipping = False
        kept.append(cells)
    return kept


def test_staff_are_reminded_until_the_report_is_published(client, orgs, monkeypatch):
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2024, 1, 2))
    assert selectors.reports_due(reviewer) == [
        "某区民政局2023年政府信息公开工作年度报告尚未发布（应于2024年1月31日前公布）"
    ]
    sign_in_staff(client, reviewer)
    assert "某区民政局2023年政府信息公开工作年度报告尚未发布" in client.get("/admin/").content.decode()
    record = published(title="某区民政局2023年政府信息公开工作年度报告", publisher=civil)
    AnnualReport.objects.create(organization=civil, year=2023, status="published", record=record)
    assert selectors.reports_due(reviewer) == []
    assert "年报提醒" not in client.get("/admin/").content.decode()
    # Its record withdrawn, the report is due again.
    DisclosureRecord.objects.filter(pk=record.pk).update(status=DisclosureRecord.Status.WITHDRAWN)
    assert len(selectors.reports_due(reviewer)) == 1


def test_table_three_waits_for_the_request_app():
    try:
        import inforequests  # noqa: F401
    except ImportError:
        assert t.table_three([], 2023) is None
    else:
        assert t.table_three([], 2023)[t.NEW]["total"] == 0


def _admin_form(report, **overrides):
    data = {
        "organization": report.organization_id,
        "year": report.year,
        "overview": report.overview or "<p>总体情况。</p>",
        "problems": report.problems or "<p>存在的问题和改进措施。</p>",
        "other_matters": report.other_matters,
        "licences": "",
        "penalties": "0",
        "enforcement": "",
        "enforcement_na": "on",
        "fees": "0.5",
        "review_cases-TOTAL_FORMS": "0",
        "review_cases-INITIAL_FORMS": "0",
        "review_cases-MIN_NUM_FORMS": "0",
        "review_cases-MAX_NUM_FORMS": "1000",
        "edit_version": str(report.history.first().history_id),
        "publish_now": "on",
    }
    data.update(overrides)
    return data


def test_publishing_from_the_admin_names_the_failed_cells_and_takes_an_override(client, orgs):
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = AnnualReport.objects.create(organization=civil, year=2023)
    sign_in_staff(client, reviewer)
    url = f"/admin/annualreports/annualreport/{report.pk}/change/"
    assert "表二“行政许可”未填写" in client.get(url).content.decode()  # the checks are shown on the form
    html = client.post(url, _admin_form(report), follow=True).content.decode()
    assert "勾稽校验未通过" in html and "表二“行政许可”未填写" in html
    report.refresh_from_db()
    assert report.status == "draft"
    html = client.post(
        url, _admin_form(report, override_reason_input="数据由市级系统统计"), follow=True
    ).content.decode()
    report.refresh_from_db()
    assert report.status == "published" and report.override_reason == "数据由市级系统统计"
    assert "已记录理由" in html


def test_a_text_losing_section_is_refused_beside_the_field(client, orgs):
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = AnnualReport.objects.create(organization=civil, year=2023)
    sign_in_staff(client, reviewer)
    url = f"/admin/annualreports/annualreport/{report.pk}/change/"
    response = client.post(url, _admin_form(report, overview='<p title="x>总体情况</p>', publish_now=""))
    assert response.status_code == 200 and "保存会丢失" in response.content.decode()
    response = client.post(url, _admin_form(report, licences="3", licences_na="on", publish_now=""))
    assert "已标为不适用的项目不能同时填写数字" in response.content.decode()


def test_table_three_counted_in_the_database_equals_the_case_by_case_rules(orgs):
    """table_three groups the cases in SQL; tabulate_requests (worked out by hand in
    test_tables) is the rule. Each case of that set, twice and spread over both agencies."""
    from inforequests.models import Case

    rows = []
    for n, case in enumerate(cases() * 2):
        closed = case.replied_on is not None
        rows.append(
            Case(
                number=f"T-{n:04d}",
                query_code_digest=f"digest-{n}",
                agency=orgs[n % 2],
                received_on=case.received_on,
                clock_start=case.received_on,
                applicant_type=case.applicant_type,
                name="申请人",
                id_type=Case.IdType.RESIDENT_ID,
                id_number="11010519491231002X",
                phone="13900000000",
                address="地址",
                title="申请",
                description="描述",
                delivery=Case.Delivery.ELECTRONIC,
                state=Case.State.ANSWERED if closed else Case.State.REGISTERED,
                is_open=not closed,
                outcome=case.outcome,
                replied_on=case.replied_on,
            )
        )
    Case.objects.bulk_create(rows)
    for year in (2022, 2023, 2024):
        assert t.table_three(list(orgs), year) == t.tabulate_requests(cases() * 2, year), year
    assert t.table_three([orgs[1]], 2023)[t.NEW]["total"] == len([c for c in cases() if c.received_on.year == 2023])


def test_withdrawing_the_reports_record_withdraws_the_report(client, orgs):
    """The page and its downloads stayed public after the record was withdrawn (a tester's find)."""
    from disclosures.services import record_withdraw

    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = complete(AnnualReport.objects.create(organization=civil, year=2023))
    record = services.report_publish(report=report, user=reviewer).record
    pages = ["/annual-reports/mzj/2023/", "/annual-reports/mzj/2023/report.csv", "/annual-reports/mzj/2023/report.xlsx"]
    assert [client.get(page).status_code for page in pages] == [200, 200, 200]
    record_withdraw(record=record, user=reviewer, reason="核对")
    assert [client.get(page).status_code for page in pages] == [404, 404, 404]


def test_a_report_is_for_a_year_that_has_ended(orgs):
    from django.core.exceptions import ValidationError

    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    this_year = timezone.localdate().year
    with pytest.raises(ValidationError) as refused:
        AnnualReport(organization=civil, year=this_year + 1).full_clean()
    assert "year" in refused.value.message_dict
    report = complete(AnnualReport.objects.create(organization=civil, year=this_year))
    with pytest.raises(ValidationError, match="尚未结束"):
        services.report_publish(report=report, user=reviewer)
    assert not DisclosureRecord.objects.exists()


def _published_and_opened(client, orgs):
    """民政局's 2023 report, published, and its change page's address for its reviewer."""
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = complete(AnnualReport.objects.create(organization=civil, year=2023, overview="<p>原来的总体情况。</p>"))
    services.report_publish(report=report, user=reviewer)
    report.refresh_from_db()
    sign_in_staff(client, reviewer)
    return report, f"/admin/annualreports/annualreport/{report.pk}/change/"


def test_a_published_report_changes_only_by_publishing_it_again(client, orgs):
    """Its sections went live unchecked, unlike its catalogue record, when saved without 保存后发布."""
    report, url = _published_and_opened(client, orgs)
    form = _admin_form(report, overview="<p>悄悄改过的总体情况。</p>", licences="3")
    del form["publish_now"]
    response = client.post(url, form)
    assert response.status_code == 200 and "保存后发布" in str(response.context["adminform"].form.errors)
    assert "原来的总体情况" in client.get("/annual-reports/mzj/2023/").content.decode()
    response = client.post(url, {**form, "publish_now": "on"}, follow=True)
    assert "已发布" in response.content.decode()
    page = client.get("/annual-reports/mzj/2023/").content.decode()
    assert "悄悄改过的总体情况" in page and "原来的总体情况" not in page


def test_a_published_report_whose_new_version_fails_its_checks_stays_as_published(client, orgs):
    """Saved first, then refused: the edit went live unchecked (a reviewer's find)."""
    report, url = _published_and_opened(client, orgs)
    # 行政许可 left empty: a 勾稽 finding.
    response = client.post(url, _admin_form(report, overview="<p>没有校验的新版本。</p>", licences=""))
    assert response.status_code == 200
    assert "勾稽校验未通过" in str(response.context["adminform"].form.errors["publish_now"])
    report.refresh_from_db()
    assert "原来的总体情况" in report.overview
    assert "原来的总体情况" in client.get("/annual-reports/mzj/2023/").content.decode()


def test_a_government_is_reminded_of_its_consolidated_report_by_31_march(orgs, monkeypatch):
    district, _ = orgs
    chief = member("chief", REVIEWER, district)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2024, 2, 2))
    due = selectors.reports_due(chief)
    assert "某区人民政府2023年政府信息公开工作年度报告（汇总）尚未发布（应于2024年3月31日前公布）" in due
    # A department with units of its own compiles no 汇总年报 (Art. 49 is the government's).
    unit = OrganizationFactory(name="某区民政局救助站", section_code="jzz", parent=orgs[1])
    assert unit and not [line for line in selectors.reports_due(member("civil", REVIEWER, orgs[1])) if "汇总" in line]
    record = published(title="某区人民政府2023年政府信息公开工作年度报告（汇总）", publisher=district)
    AnnualReport.objects.create(organization=district, year=2023, consolidated=True, status="published", record=record)
    assert not [line for line in selectors.reports_due(chief) if "汇总" in line]


def test_review_cases_typed_on_a_consolidated_report_are_refused_not_dropped(client, orgs):
    district, _ = orgs
    sign_in_staff(client, member("chief", REVIEWER, district))
    report = AnnualReport.objects.create(organization=district, year=2023, consolidated=True)
    url = f"/admin/annualreports/annualreport/{report.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({"organization": district.pk, "year": 2023, "consolidated": "on"})
    data = {k: v for k, v in data.items() if v is not False and not isinstance(v, (list, dict))}
    data.update(
        {
            "review_cases-TOTAL_FORMS": "1",
            "review_cases-INITIAL_FORMS": "0",
            "review_cases-MIN_NUM_FORMS": "0",
            "review_cases-MAX_NUM_FORMS": "1000",
            "review_cases-0-kind": ReviewCase._meta.get_field("kind").choices[0][0],
            "review_cases-0-result": ReviewCase._meta.get_field("result").choices[0][0],
            "review_cases-0-reference": "官复〔2023〕1号",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200 and "汇总年报的表四由各单位年报的案件汇总而成" in response.content.decode()
    assert not ReviewCase.objects.exists()


def test_staff_see_a_drafts_tables_before_publishing(client, orgs):
    district, civil = orgs
    sign_in_staff(client, member("compiler", REVIEWER, civil))
    report = complete(AnnualReport.objects.create(organization=civil, year=2023), licences=7)
    html = client.get(f"/admin/annualreports/annualreport/{report.pk}/change/").content.decode()
    preview = html[html.index('<div class="report-preview">') :]
    preview = preview[: preview.index("</div>")]
    captions = [sheet.caption for sheet in t.sheets(selectors.report_tables(report))]
    assert len(captions) >= 3 and all(caption in preview for caption in captions)
    assert re.search(r"<td[^>]*>7</td>", preview)  # the 行政许可 typed: as published


def test_a_cell_with_a_superscript_digit_downloads_as_text():
    """str.isdigit() admits "²", which int() refuses: the XLSX download answered 500."""
    import io

    import openpyxl

    from annualreports.downloads import report_xlsx
    from annualreports.tables import Sheet

    sheet = Sheet(
        key="two",
        caption="二、测试表",
        header=[[("项目", 1, 1, "col"), ("数量", 1, 1, "col")]],
        rows=[["面积（m²）", "²"], ["件数", "12"]],
    )
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx("测试", [sheet])))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert "²" in values and 12 in values


def _with_case(form, kind, result):
    return {
        **form,
        "review_cases-TOTAL_FORMS": "1",
        "review_cases-0-kind": kind,
        "review_cases-0-result": result,
        "review_cases-0-reference": "官复〔2023〕1号",
    }


def test_a_case_added_to_a_published_report_asks_to_publish_it_again_and_is_then_counted(client, orgs):
    """It was saved without a word, counted by the district's consolidated report but neither by
    the report's page nor its preview (a tester's find). Publishing saved before the case did, so
    it published last time's table 四."""
    report, url = _published_and_opened(client, orgs)
    kind = ReviewCase._meta.get_field("kind").choices[0][0]
    result = ReviewCase._meta.get_field("result").choices[0][0]
    form = _with_case(_admin_form(report, licences="3"), kind, result)
    del form["publish_now"]
    response = client.post(url, form)
    assert response.status_code == 200 and "增删改表四的案件须勾选“保存后发布”" in response.content.decode()
    assert not ReviewCase.objects.exists()

    response = client.post(url, {**form, "publish_now": "on"}, follow=True)
    assert "已发布" in response.content.decode() and ReviewCase.objects.count() == 1
    report.refresh_from_db()
    assert selectors.report_tables(report).four == selectors.report_tables(report, now=True).four
    assert selectors.report_tables(report).four[kind]["total"] == 1


def test_the_preview_of_a_published_report_shows_what_publishing_again_would_publish(client, orgs):
    report, url = _published_and_opened(client, orgs)
    AnnualReport.objects.filter(pk=report.pk).update(licences=9)  # as the next save would have it
    preview = client.get(url).content.decode()
    preview = preview[preview.index('<div class="report-preview">') :]
    assert re.search(r"<td[^>]*>9</td>", preview[: preview.index("</div>")])


def test_a_public_report_is_not_deleted_while_its_record_is_public(client, orgs, admin_user):
    """Deleted, its page was gone but its catalogue record (the whole report) stayed public,
    linking to the 404 (a tester's find)."""
    from disclosures.services import record_withdraw

    report, url = _published_and_opened(client, orgs)
    sign_in_staff(client, admin_user)  # the district's administrator: reviewers delete none
    delete = url.replace("/change/", "/delete/")
    response = client.post(delete, {"post": "yes"})
    assert response.status_code == 200 and AnnualReport.objects.filter(pk=report.pk).exists()
    assert "已公开：请先在信息公开目录中撤回它的公开记录" in response.content.decode()
    response = client.post(
        "/admin/annualreports/annualreport/",
        {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
    )
    assert AnnualReport.objects.filter(pk=report.pk).exists()
    assert "已公开：请先在信息公开目录中撤回它的公开记录" in response.content.decode()

    record_withdraw(record=report.record, user=User.objects.get(username="reviewer"), reason="核对")
    html = client.get(url).content.decode()
    assert "已发布，目录记录已撤回（未公开）" in html  # not “已发布”, with nothing public
    assert "/annual-reports/mzj/2023/" not in html  # no 在站点上查看 to a 404
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not AnnualReport.objects.filter(pk=report.pk).exists()


def test_publishing_is_offered_to_and_refused_as_those_who_may_publish(client, orgs):
    from core.roles import REVIEW_GROUPS

    _, civil = orgs
    for group in (REVIEWER, REVIEW_GROUPS["final"]):
        assert member(f"may-{len(group)}", group, civil).has_perm(services.PUBLISH_PERMISSION), group
    assert not member("first", REVIEW_GROUPS["first"], civil).has_perm(services.PUBLISH_PERMISSION)
    clerk = member("clerk", ENTRY_CLERK, civil)
    report = complete(AnnualReport.objects.create(organization=civil, year=2023))
    sign_in_staff(client, clerk)
    html = client.get(f"/admin/annualreports/annualreport/{report.pk}/change/").content.decode()
    assert 'name="publish_now"' not in html and 'name="override_reason_input"' not in html
    with pytest.raises(PermissionDenied, match="只有审核员或终审审核员可以发布年报"):
        services.report_publish(report=report, user=clerk)


def test_a_consolidated_reports_record_says_it_is_the_consolidated_one(orgs):
    district, civil = orgs
    reviewer = member("reviewer", REVIEWER, district)
    AnnualReport.objects.create(organization=civil, year=2023)
    report = complete(AnnualReport.objects.create(organization=district, year=2023, consolidated=True))
    record = services.report_publish(report=report, user=reviewer, override_reason="演示").record
    assert record.summary == "某区人民政府2023年政府信息公开工作年度报告（汇总）。"


def test_the_history_and_lists_read_in_chinese(client, orgs, admin_user):
    """The history list showed “Changes”, “None” for no reason, “draft → published” and the
    sections' markup; the lists' yes/no icons read “True”/“False” to a screen reader."""
    report, url = _published_and_opened(client, orgs)
    html = client.get(url.replace("/change/", "/history/")).content.decode()
    assert '<th scope="col">改动</th>' in html and ">Changes<" not in html
    assert "草稿" in html and "已发布" in html and "draft" not in html
    assert "&lt;p&gt;" not in html and "<td>\n          None\n        </td>" not in html
    assert re.search(r"<td>\s*</td>", html)  # a change without a reason: an empty cell
    sign_in_staff(client, admin_user)
    listing = client.get("/admin/annualreports/annualreport/").content.decode()
    assert 'alt="否"' in listing and 'alt="False"' not in listing


def test_the_report_page_says_when_it_was_published(client, orgs):
    """It showed no date at all (a tester's find): a 年报 is dated by its publication."""
    import time_machine

    from tests.inforequests.test_clock_time import beijing

    _, civil = orgs
    with time_machine.travel(beijing(2024, 1, 8, 9, 30), tick=False):
        report = complete(AnnualReport.objects.create(organization=civil, year=2023))
        services.report_publish(report=report, user=member("reviewer", REVIEWER, civil))
    html = client.get("/annual-reports/mzj/2023/").content.decode()
    assert '发布日期：<time datetime="2024-01-08">2024年1月8日</time>' in html


def test_a_consolidated_reports_mismatch_names_the_units_without_a_report(orgs):
    """“汇总年报为 1，各单位之和为 0” did not say that 民政局 had no report to add (a tester's find)."""
    district, civil = orgs
    complete(AnnualReport.objects.create(organization=district, year=2023))  # the government's own
    report = complete(AnnualReport.objects.create(organization=district, year=2023, consolidated=True), licences=5)
    messages = [finding.message for finding in selectors.report_findings(report)]
    assert "表二“行政许可”：汇总年报为 5，各单位之和为 3。" in messages
    assert "以下单位没有2023年度的年报，不在各单位之和中：某区民政局。" in messages
    complete(AnnualReport.objects.create(organization=civil, year=2023), licences=2)
    assert not any("没有2023年度的年报" in finding.message for finding in selectors.report_findings(report))


def test_the_agency_box_offers_only_what_the_form_accepts(client, orgs):
    """A 录入员's 公开单位 box listed every agency; the save then refused all but theirs."""
    district, civil = orgs
    sign_in_staff(client, member("clerk", ENTRY_CLERK, civil))
    params = {"app_label": "annualreports", "model_name": "annualreport", "field_name": "organization"}
    response = client.get("/admin/autocomplete/", {**params, "term": "某区"})
    assert [row["text"] for row in response.json()["results"]] == ["某区民政局"]


def test_a_year_before_the_first_is_refused_by_the_first_year(client, orgs):
    """−5 read “确保该值大于或等于0” and the box allowed 0 (a tester's find)."""
    _, civil = orgs
    sign_in_staff(client, member("compiler", REVIEWER, civil))
    page = client.get("/admin/annualreports/annualreport/add/").content.decode()
    assert re.search(r'<input[^>]*name="year"[^>]*min="2008"', page)
    data = {"organization": civil.pk, "year": "-5", "edit_version": ""}
    data.update(
        {f"review_cases-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MAX_NUM_FORMS": 1000}.items()}
    )
    response = client.post("/admin/annualreports/annualreport/add/", data)
    assert response.context["adminform"].form.errors["year"] == ["年报从2008年（条例施行）起编制，请核对年份。"]


def test_a_published_report_reads_for_staff_who_may_not_publish_it(client, orgs):
    """Its 录入员 met a 500 on its page (a row of the fieldsets filtered as a name), and on any
    old version of it (rich text shown as read cannot build a history version's form)."""
    report, _ = _published_and_opened(client, orgs)
    sign_in_staff(client, member("clerk", ENTRY_CLERK, report.organization))
    url = f"/admin/annualreports/annualreport/{report.pk}/"
    page = client.get(f"{url}change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert '<div class="rich-text-shown"><p>原来的总体情况。</p></div>' in page.content.decode()
    for version in report.history.all():
        assert client.get(f"{url}history/{version.history_id}/").status_code == 200


def test_the_check_before_saving_counts_the_cases_the_save_will_leave(client, orgs, monkeypatch):
    """It counted the stored cases while publishing, after the save, counted the posted ones: a
    case taken away that broke a check was live before the refusal, and one added that fixed
    it was refused (a reviewer's find)."""
    report, url = _published_and_opened(client, orgs)
    kind = ReviewCase._meta.get_field("kind").choices[0][0]
    result = ReviewCase._meta.get_field("result").choices[0][0]
    seen = []
    report_findings = selectors.report_findings

    def spied(report, tables=None):
        seen.append(tables.four[kind]["total"])
        return report_findings(report, tables)

    monkeypatch.setattr(selectors, "report_findings", spied)
    response = client.post(url, _with_case(_admin_form(report, licences="3"), kind, result), follow=True)
    assert "已发布" in response.content.decode() and ReviewCase.objects.count() == 1
    assert seen[:2] == [1, 1]  # before the save and when publishing after it


def test_the_record_of_a_deleted_report_is_not_published_again(client, orgs, admin_user):
    """Withdrawn, then its report deleted, the record could be published again from the
    records admin: a public 年报 no report stood behind (a reviewer's find)."""
    from django.core.exceptions import ValidationError

    from disclosures.services import record_republish, record_withdraw

    report, url = _published_and_opened(client, orgs)
    record = report.record
    record_withdraw(record=record, user=admin_user, reason="核对")
    sign_in_staff(client, admin_user)
    assert client.post(url.replace("/change/", "/delete/"), {"post": "yes"}).status_code == 302
    with pytest.raises(ValidationError, match="所属的年报已删除"):
        record_republish(record=record, user=admin_user)
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.WITHDRAWN


def test_the_withdrawn_record_of_a_report_still_there_is_published_again(client, orgs, admin_user):
    from disclosures.services import record_republish, record_withdraw

    report, _ = _published_and_opened(client, orgs)
    record_withdraw(record=report.record, user=admin_user, reason="核对")
    assert record_republish(record=report.record, user=admin_user).record.is_public
    assert client.get("/annual-reports/mzj/2023/").status_code == 200


def test_an_old_version_of_a_published_report_says_it_is_published(client, orgs):
    """Read from its history row, the version has no list annotation: it showed 状态 “-”."""
    report, url = _published_and_opened(client, orgs)
    version = report.history.order_by("-history_id").first()
    html = client.get(url.replace("/change/", f"/history/{version.history_id}/")).content.decode()
    assert re.search(r"<label>状态:</label>\s*<div class=\"readonly\">已发布</div>", html)


def test_the_list_says_whether_each_report_is_public_in_a_bounded_number_of_queries(client, orgs, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    district, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    for year in (2021, 2022, 2023):
        services.report_publish(
            report=complete(AnnualReport.objects.create(organization=civil, year=year)), user=reviewer
        )
    sign_in_staff(client, admin_user)
    client.get("/admin/annualreports/annualreport/")
    with CaptureQueriesContext(connection) as three:
        assert "已发布" in client.get("/admin/annualreports/annualreport/").content.decode()
    services.report_publish(report=complete(AnnualReport.objects.create(organization=civil, year=2020)), user=reviewer)
    client.get("/admin/annualreports/annualreport/")  # what is kept per content generation, made again
    with CaptureQueriesContext(connection) as four:
        client.get("/admin/annualreports/annualreport/")
    assert len(four) == len(three)


def test_the_deleted_report_check_costs_one_query_on_any_other_record():
    """It runs on every publication of any record (disclosures.registry.publish_problems)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = published(title="无关的记录")
    with CaptureQueriesContext(connection) as queries:
        assert not selectors.report_deleted_for(record)
    assert len(queries) == 1


@pytest.mark.parametrize(
    "now", [dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC), dt.datetime(2027, 1, 15, 2, tzinfo=dt.UTC)]
)
def test_a_new_report_is_for_last_year_by_default(client, orgs, now):
    """In January staff write last year's report (Art. 49); 00:30 on 1 January in Beijing is
    still 31 December in UTC, and the year is Beijing's."""
    import time_machine

    with time_machine.travel(now, tick=False):  # signed in then: the idle timeout counts from it
        sign_in_staff(client, User.objects.create_superuser("admin", "a@example.com", "pw-123456789"))
        page = client.get("/admin/annualreports/annualreport/add/").content.decode()
    assert re.search(r'<input type="number" name="year" value="2026"', page)
