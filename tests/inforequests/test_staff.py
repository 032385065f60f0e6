import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inforequests import services
from inforequests.models import Case, Pause
from tests.html import without_per_response
from tests.pdfs import PDF
from tests.staff import sign_in_staff

from .factories import APPLICANT_NAME, PERSON_ID, PHONE, AgencyFactory, make_case, staff_page_urls, staff_user

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def two_agencies():
    a, b = AgencyFactory().organization, AgencyFactory().organization
    return a, b, make_case(agency=a, received_on=D(2026, 9, 18)), make_case(agency=b, received_on=D(2026, 9, 18))


def test_staff_of_agency_a_cannot_open_or_change_agency_b_cases(client, two_agencies):
    a, b, case_a, case_b = two_agencies
    sign_in_staff(client, staff_user("clerk-a", a))
    assert client.get(f"/disclosures/apply/staff/{case_a.pk}/").status_code == 200
    for url in (
        f"/disclosures/apply/staff/{case_b.pk}/",
        f"/disclosures/apply/staff/{case_b.pk}/deadline/",
        f"/disclosures/apply/staff/notices/{case_b.notices.get().pk}/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/disclosures/apply/staff/{case_b.pk}/",
        {
            "action": "extend",
            "extend-days": "5",
            "extend-approver": "x",
            "extend-reason": "y",
            "extend-on": "2026-10-01",
        },
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case_b.pk).state == Case.State.REGISTERED
    queue = client.get("/disclosures/apply/staff/?state=all").content.decode()
    assert case_a.number in queue and case_b.number not in queue
    # The admin: neither listed nor reachable by URL.
    changelist = client.get("/admin/inforequests/case/").content.decode()
    assert case_a.number in changelist and case_b.number not in changelist
    assert client.get(f"/admin/inforequests/case/{case_b.pk}/change/").status_code in (302, 403, 404)
    assert client.post(f"/admin/inforequests/case/{case_b.pk}/change/", {"title": "x"}).status_code in (302, 403, 404)
    assert Case.objects.get(pk=case_b.pk).title != "x"
    history_id = case_b.history.first().history_id
    for url in (
        f"/admin/inforequests/case/{case_b.pk}/history/",
        f"/admin/inforequests/case/{case_b.pk}/history/{history_id}/",
    ):
        assert client.get(url).status_code in (403, 404), url
    # And the services refuse too, whatever the caller.
    with pytest.raises(PermissionDenied):
        services.case_extend(
            case=case_b, days=5, approver="x", reason="y", on=D(2026, 10, 1), user=staff_user("clerk-a2", a)
        )


def test_district_wide_permission_sees_all(client, two_agencies):
    a, b, case_a, case_b = two_agencies
    sign_in_staff(client, staff_user("district", perms=["view_all_cases"]))
    queue = client.get("/disclosures/apply/staff/?state=all").content.decode()
    assert case_a.number in queue and case_b.number in queue
    only_b = client.get("/disclosures/apply/staff/", {"state": "all", "agency": b.pk}).content.decode()
    assert case_b.number in only_b and case_a.number not in only_b


def test_agency_filter_cannot_reach_another_agency(client, two_agencies):
    a, b, _, case_b = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    assert client.get("/disclosures/apply/staff/", {"agency": b.pk}).status_code == 400


def test_lists_mask_identifiers_and_the_case_page_shows_them(client, two_agencies):
    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    for url in ("/disclosures/apply/staff/", "/admin/inforequests/case/"):
        html = client.get(url).content.decode()
        assert "1101**********002X" in html and PERSON_ID not in html and APPLICANT_NAME not in html, url
        assert PHONE not in html
    page = client.get(f"/disclosures/apply/staff/{case_a.pk}/").content.decode()
    assert PERSON_ID in page and APPLICANT_NAME in page


def test_queue_alarm_filter_and_days_left(client, two_agencies):
    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    html = client.get("/disclosures/apply/staff/", {"alarm": "红牌"}).content.decode()
    assert case_a.number in html and "红牌" in html  # due 22 Oct 2026, long past by now
    assert client.get("/disclosures/apply/staff/", {"alarm": "bogus"}).status_code == 400
    assert client.get("/disclosures/apply/staff/", {"page": "abc"}).status_code in (400, 404)


def test_transition_through_the_staff_page_with_bad_then_good_input(client, two_agencies):
    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    url = f"/disclosures/apply/staff/{case_a.pk}/"
    bad = client.post(
        url,
        {
            "action": "extend",
            "extend-days": "25",
            "extend-approver": "",
            "extend-reason": "档案多",
            "extend-on": "2026-10-01",
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 400 and "最长不得超过20个工作日" in html and "请填写批准延期的负责人" in html
    assert "档案多" in html  # kept
    late = client.post(
        url, {"action": "correction", "correction-notice_on": "2026-10-09", "correction-reason": "请补正"}
    )
    assert late.status_code == 400 and "7个工作日" in late.content.decode()
    good = client.post(
        url,
        {
            "action": "extend",
            "extend-days": "5",
            "extend-approver": "王主任",
            "extend-reason": "档案多",
            "extend-on": "2026-10-01",
        },
    )
    assert good.status_code == 302
    case = Case.objects.get(pk=case_a.pk)
    assert case.state == Case.State.EXTENDED and case.due_on == D(2026, 10, 29)
    event = case.events.get(action="延期答复")
    assert event.user.username == "clerk"
    assert case.history.first().history_user.username == "clerk"
    # Not available in this state → the case page saying why (409), not a 500; no such action → 400.
    assert client.post(url, {"action": "payment", "payment-paid_on": "2026-10-01"}).status_code == 409
    assert client.post(url, {"action": "nonsense"}).status_code == 400


@pytest.mark.parametrize(
    ("action", "fields", "label"),
    [
        ("correction", {"notice_on": "2026-09-22"}, "需要补正的事项"),
        ("extend", {"days": "5", "approver": "王主任", "on": "2026-10-01"}, "延期理由"),
    ],
)
def test_a_reason_longer_than_a_notice_holds_is_refused_beside_its_field_and_kept(
    client, two_agencies, action, fields, label
):
    """The 补正事项 and the 延期理由 go into the 告知书 to the applicant: a text pasted whole is
    refused, named by its field, and comes back as typed; the case does not move."""
    from html import unescape

    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    text = "请补正所需信息的名称、文号。" * 100
    data = {"action": action, **{f"{action}-{k}": v for k, v in {**fields, "reason": text}.items()}}
    response = client.post(f"/disclosures/apply/staff/{case_a.pk}/", data)
    page = unescape(response.content.decode())
    assert response.status_code == 400
    assert f"{label}最多1000字（当前1400字）。" in page
    assert text in page
    assert Case.objects.get(pk=case_a.pk).state == Case.State.REGISTERED


def test_deadline_explanation_lists_every_day(client, two_agencies):
    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    html = client.get(f"/disclosures/apply/staff/{case_a.pk}/deadline/").content.decode()
    assert "2026年10月22日" in html and "调休上班" in html and "法定节假日（国庆节）" in html and "第20个工作日" in html


def test_staff_register_a_posted_application(client, two_agencies):
    a, b, _, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    data = posted_application(a, _submission(client.get("/disclosures/apply/staff/new/")))
    bad = client.post("/disclosures/apply/staff/new/", {**data, "received_on": "2099-01-01"})
    assert bad.status_code == 400 and "不能晚于今天" in bad.content.decode()
    assert client.post("/disclosures/apply/staff/new/", {**data, "agency": b.pk}).status_code == 400  # not their agency
    assert client.post("/disclosures/apply/staff/new/", data).status_code == 302
    case = Case.objects.get(title="某文件")
    assert case.channel == "post" and case.received_on == D(2026, 9, 30) and case.due_on == D(2026, 11, 3)


def posted_application(agency, submission):
    """The staff registration form for a letter received by post."""
    return {
        "agency": agency.pk,
        "applicant_type": "person",
        "name": "李四",
        "id_type": "resident_id",
        "id_number": "440524188001010014",
        "phone": "13800001111",
        "address": "某地",
        "title": "某文件",
        "description": "某描述",
        "delivery": "post",
        "channel": "post",
        "received_on": "2026-09-30",
        "submission": submission,
    }


def _submission(response):
    return re.search(r'name="submission" value="([^"]+)"', response.content.decode()).group(1)


def test_a_registration_sent_twice_is_one_case(client, two_agencies):
    """A double click on 登记并生成回执, or Back and the form sent again: two cases for one letter."""
    a, _, _, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    page = client.get("/disclosures/apply/staff/new/")
    data = posted_application(a, _submission(page))
    first, second = (
        client.post("/disclosures/apply/staff/new/", data),
        client.post("/disclosures/apply/staff/new/", data),
    )
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Case.objects.filter(title="某文件").count() == 1
    # A page this session did not show (expired): asked again, as typed, nothing registered.
    again = client.post("/disclosures/apply/staff/new/", {**data, "title": "另一文件", "submission": "gone"})
    assert again.status_code == 409 and "另一文件" in again.content.decode() and "尚未登记" in again.content.decode()
    assert (
        client.post(
            "/disclosures/apply/staff/new/", {**data, "title": "另一文件", "submission": _submission(again)}
        ).status_code
        == 302
    )
    assert Case.objects.filter(title="另一文件").count() == 1


def test_anonymous_users_are_sent_to_login(client, two_agencies):
    _, _, case_a, _ = two_agencies
    assert client.get(f"/disclosures/apply/staff/{case_a.pk}/").status_code == 302
    assert client.get("/disclosures/apply/staff/").status_code == 302


def test_publish_then_promote_into_the_catalogue_as_a_draft(client, two_agencies):
    from disclosures.models import DisclosureRecord
    from inforequests.models import Outcome

    a, _, case_a, _ = two_agencies
    clerk = staff_user("clerk", a)
    sign_in_staff(client, clerk)
    services.case_reply(
        case=case_a, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text=f"{APPLICANT_NAME}：予以公开。"
    )
    url = f"/disclosures/apply/staff/{case_a.pk}/"
    # Text on the public site is the 终审's to publish, not a 录入员's (offered to neither page nor POST).
    assert 'value="publish"' not in client.get(url).content.decode()
    refused = client.post(
        url, {"action": "publish", "publish-request_text": "道路养护计划", "publish-reply_text": "申请人：予以公开。"}
    )
    assert refused.status_code == 403 and Case.objects.get(pk=case_a.pk).published_at is None
    with pytest.raises(PermissionDenied):
        services.case_publish(case=case_a, request_text="道路养护计划", reply_text="申请人：予以公开。", user=clerk)
    reviewer = staff_user("final", a)
    reviewer.user_permissions.add(Permission.objects.get(codename="publish_disclosurerecord"))
    sign_in_staff(client, get_user_model().objects.get(pk=reviewer.pk))
    leak = client.post(
        url,
        {
            "action": "publish",
            "publish-request_text": "道路养护计划",
            "publish-reply_text": f"{APPLICANT_NAME}：予以公开。",
        },
    )
    assert leak.status_code == 400 and "仍含申请人姓名" in leak.content.decode()
    assert (
        client.post(
            url,
            {"action": "publish", "publish-request_text": "道路养护计划", "publish-reply_text": "申请人：予以公开。"},
        ).status_code
        == 302
    )
    assert client.post(url, {"action": "promote", "promote-title": "2026年道路养护计划"}).status_code == 302
    case = Case.objects.get(pk=case_a.pk)
    record = DisclosureRecord.objects.get(pk=case.promoted_record_id)
    assert (
        record.status == DisclosureRecord.Status.DRAFT and record.publisher == a and "申请人：予以公开。" in record.body
    )
    assert client.post(url, {"action": "promote"}).status_code == 409  # once only


def test_split_and_duplicate_from_the_staff_page(client, two_agencies):
    a, b, case_a, case_b = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    url = f"/disclosures/apply/staff/{case_a.pk}/"
    assert client.post(url, {"action": "split", "split-descriptions": "第一项\n\n第二项"}).status_code == 302
    assert list(Case.objects.get(pk=case_a.pk).items.values_list("description", flat=True)) == ["第一项", "第二项"]
    other = make_case(agency=a, received_on=D(2026, 9, 21))
    unknown = client.post(url, {"action": "duplicate", "duplicate-original": "NO-SUCH"})
    agency_b = client.post(url, {"action": "duplicate", "duplicate-original": case_b.number})

    def main(response):
        html = response.content.decode()
        html = re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]*"', "", html[html.index("<main") : html.index("</main>")]
        )
        return html.replace("NO-SUCH", "").replace(case_b.number, "")

    # Another agency's number gets the unknown number's answer, beside the field, with it kept.
    assert unknown.status_code == agency_b.status_code == 400 and "没有这个申请编号" in agency_b.content.decode()
    assert main(unknown) == main(agency_b) and case_b.number in agency_b.content.decode()
    assert Case.objects.get(pk=case_a.pk).duplicate_of is None
    # Art. 36(6): a repeat of what was already answered, by the same applicant.
    unanswered = client.post(url, {"action": "duplicate", "duplicate-original": other.number})
    assert unanswered.status_code == 400 and "尚未答复" in unanswered.content.decode()
    from inforequests.models import Outcome

    services.case_reply(case=other, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开。")
    someone_else = make_case(agency=a, received_on=D(2026, 9, 21), id_number="530102199001010028")
    services.case_reply(case=someone_else, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开。")
    refused = client.post(url, {"action": "duplicate", "duplicate-original": someone_else.number})
    assert refused.status_code == 400 and "其他申请人" in refused.content.decode()
    assert client.post(url, {"action": "duplicate", "duplicate-original": other.number}).status_code == 302


def test_staff_without_the_case_permissions_neither_see_nor_change_cases(client, two_agencies):
    """An 审计员 (or any staff role without 依申请公开 permissions) in the agency: refused in the
    views and in the services, not only left out of a menu."""
    a, _, case_a, _ = two_agencies
    auditor = staff_user("auditor", a)
    auditor.user_permissions.clear()
    auditor = type(auditor).objects.get(pk=auditor.pk)
    sign_in_staff(client, auditor)
    notice = case_a.notices.get()
    for url in [*staff_page_urls(case_a), f"/disclosures/apply/staff/notices/{notice.pk}.pdf"]:
        response = client.get(url)
        assert response.status_code == 403 and PHONE not in response.content.decode(), url
    assert client.post(f"/disclosures/apply/staff/{case_a.pk}/", {"action": "split"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.case_split(case=case_a, descriptions=["一", "二"], user=auditor)
    assert not services.selectors.cases_for(auditor).exists()


def test_an_extension_needs_a_running_clock_and_is_granted_once(client, two_agencies):
    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    url = f"/disclosures/apply/staff/{case_a.pk}/"
    extend = {"action": "extend", "extend-days": "5", "extend-approver": "王主任", "extend-reason": "需要汇总"}
    services.case_start_consultation(case=case_a, kind="third_party", party="某公司", started_on=D(2026, 9, 21))
    paused = client.get(url).content.decode()
    assert 'value="extend"' not in paused  # not offered while the clock is stopped
    response = client.post(url, {**extend, "extend-on": "2026-09-22"})
    assert response.status_code == 409  # and no 500: the due date is unknown while paused
    with pytest.raises(ValidationError, match="暂停计算"):
        services.case_extend(case=case_a, days=5, approver="a", reason="b", on=D(2026, 9, 22))
    services.case_end_consultation(case=case_a, ended_on=D(2026, 9, 23))
    with pytest.raises(ValidationError, match="不能早于收到申请日期"):
        services.case_extend(case=case_a, days=5, approver="a", reason="b", on=D(2008, 5, 1))
    assert client.post(url, {**extend, "extend-on": "2026-09-24"}).status_code == 302
    services.case_start_consultation(case=case_a, kind="third_party", party="某公司", started_on=D(2026, 9, 25))
    services.case_end_consultation(case=case_a, ended_on=D(2026, 9, 28))
    assert 'value="extend"' not in client.get(url).content.decode()
    with pytest.raises(ValidationError, match="已延期"):
        services.case_extend(case=case_a, days=5, approver="a", reason="b", on=D(2026, 9, 29))


def test_a_receipt_date_before_the_regulations_is_refused():
    agency = AgencyFactory().organization
    with pytest.raises(ValidationError, match="条例施行"):
        make_case(agency=agency, received_on=D(1, 1, 1))


def test_notices_render_as_printable_page_and_pdf_for_own_agency_only(client, two_agencies):
    a, _, case_a, case_b = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    notice = case_a.notices.get()
    page = client.get(f"/disclosures/apply/staff/notices/{notice.pk}/")
    assert page.status_code == 200 and "受理回执" in page.content.decode()
    pdf = client.get(f"/disclosures/apply/staff/notices/{notice.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(f"/disclosures/apply/staff/notices/{case_b.notices.get().pk}.pdf").status_code == 404


def test_page_alarms_agree_with_the_single_case_computation(two_agencies):
    from inforequests import selectors

    a, _, case_a, _ = two_agencies
    cases = [case_a, make_case(agency=a, received_on=D(2026, 9, 30)), make_case(agency=a, received_on=D(2026, 10, 26))]
    services.case_request_correction(case=cases[2], notice_on=D(2026, 10, 27), reason="请补正")
    cases = list(Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk"))
    for today in (D(2026, 9, 30), D(2026, 10, 20), D(2026, 10, 22), D(2026, 11, 4), D(2027, 1, 4)):
        selectors.annotate_alarms(cases, today=today)
        for case in cases:
            assert case.days_left == selectors.days_left(case, today=today), (case, today)
    # On Tue 20 Oct: due Thu 22 Oct → 2 left (黄牌); due 3 Nov → 10 left (正常); stopped → None.
    selectors.annotate_alarms(cases, today=D(2026, 10, 20))
    assert [(c.days_left, c.alarm) for c in cases] == [(2, "黄牌"), (10, "正常"), (None, "正常")]


def test_admin_cannot_move_a_case_to_another_agency_or_date(client, two_agencies):
    a, b, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    html = client.get(f"/admin/inforequests/case/{case_a.pk}/change/").content.decode()
    assert 'name="agency"' not in html and 'name="received_on"' not in html and 'name="state"' not in html


def test_roles_do_not_let_reviewers_grant_themselves_agencies():
    from core.roles import REVIEWER, role_codenames

    assert ("inforequests", "add_agencymembership") not in role_codenames()[REVIEWER]
    assert ("inforequests", "change_case") in role_codenames()[REVIEWER]


def test_annual_report_table_three_balances(client, two_agencies):
    from inforequests import selectors
    from inforequests.models import Outcome

    a, b, case_a, case_b = two_agencies  # both received 18 Sep 2026 (自然人)
    carried = make_case(agency=a, received_on=D(2025, 12, 30))  # open at the turn of the year
    services.case_reply(case=carried, outcome=Outcome.PARTIAL, replied_on=D(2026, 1, 8), reply_text="部分公开")
    services.case_reply(case=case_a, outcome=Outcome.DENIED_PROCESS, replied_on=D(2026, 10, 9), reply_text="过程性信息")
    org = make_case(
        agency=a,
        received_on=D(2026, 12, 1),
        applicant_type="research",
        id_type="credit_code",
        id_number="91350100M000100Y43",
    )
    report = selectors.annual_report(cases=Case.objects.filter(agency=a), year=2026)
    rows = dict(report["rows"])
    assert report["columns"][0] == "自然人" and report["columns"][2] == "科研机构" and len(report["columns"]) == 7
    assert rows["一、本年新收申请数量"] == [1, 0, 1, 0, 0, 0, 2]
    assert rows["二、上年结转申请数量"] == [1, 0, 0, 0, 0, 0, 1]
    assert rows["三、部分公开"][6] == 1 and rows["三、不予公开：属于四类过程性信息"][6] == 1
    assert rows["三、（七）总计"] == [2, 0, 0, 0, 0, 0, 2]
    assert rows["四、结转下年度继续办理"] == [0, 0, 1, 0, 0, 0, 1]
    for column in range(7):  # 一 + 二 = 三 + 四
        assert (
            rows["一、本年新收申请数量"][column] + rows["二、上年结转申请数量"][column]
            == rows["三、（七）总计"][column] + rows["四、结转下年度继续办理"][column]
        )
    assert len([label for label in rows if label.startswith("三、") and "总计" not in label]) == 21
    sign_in_staff(client, staff_user("clerk", a))
    html = client.get("/disclosures/apply/staff/report/", {"year": 2026}).content.decode()
    assert "年报表三" in html and "科研机构" in html
    assert client.get("/disclosures/apply/staff/report/", {"year": "abc"}).status_code == 400
    assert client.get("/disclosures/apply/staff/report/", {"agency": b.pk}).status_code == 400
    assert org.pk


def test_queue_filters_are_rendered_once_per_agencies_and_choice(client, two_agencies):
    a, b, _, _ = two_agencies
    sign_in_staff(client, staff_user("district", perms=["view_all_cases"]))

    def filters(data=None):
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/disclosures/apply/staff/", data).content.decode()
        agencies = [q["sql"] for q in queries.captured_queries if 'FROM "disclosures_organization"' in q["sql"]]
        start = html.index('<form method="get" class="filter-form')
        return html[start : html.index("</form>", start)], agencies

    first, queried = filters()
    assert queried and a.name in first and b.name in first
    again, queried = filters()
    assert again == first and not queried  # kept
    chosen, _ = filters({"agency": b.pk, "state": "all"})
    assert f'<option value="{b.pk}" selected>' in chosen and chosen != first
    clerk = Client()
    sign_in_staff(clerk, staff_user("clerk", a))  # their own agencies only
    html = clerk.get("/disclosures/apply/staff/").content.decode()
    assert a.name in html and b.name not in html
    c = AgencyFactory().organization  # content changed: a new generation
    assert c.name in filters()[0]


def queue_page(client, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/disclosures/apply/staff/", data)
    assert response.status_code == 200
    templates = {t.name for t in response.templates}
    cases_read = [q["sql"] for q in queries.captured_queries if 'FROM "inforequests_case"' in q["sql"]]
    return without_per_response(response.content.decode()), templates, cases_read


def test_queue_table_is_kept_until_a_case_changes(client, two_agencies):
    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    first, templates, read = queue_page(client)
    assert "inforequests/staff/queue_table.html" in templates and read and case_a.number in first
    again, templates, read = queue_page(client)
    assert again == first and "inforequests/staff/queue_table.html" not in templates and not read
    # A transition (any save writes a history row) shows at once.
    services.case_extend(case=case_a, days=5, approver="王主任", reason="需要调档", on=D(2026, 10, 1))
    after, templates, read = queue_page(client)
    assert "inforequests/staff/queue_table.html" in templates and read
    assert "延期答复中" in after or Case.objects.get(pk=case_a.pk).get_state_display() in after
    assert after != first
    # Another page, another filter: kept apart.
    assert queue_page(client, {"state": "all"})[2]


def test_the_queue_version_builds_no_history_manager(client, two_agencies, monkeypatch):
    """simple-history's `Case.history` builds a manager class on every access: the kept
    queue's version (read on every queue page) takes the history model from the registry."""
    from simple_history.manager import HistoryDescriptor

    from inforequests.selectors import queue_version

    a, *_ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    latest = Case.history.model.objects.order_by("-history_id").first().history_id
    built = []
    original = HistoryDescriptor.__get__
    monkeypatch.setattr(HistoryDescriptor, "__get__", lambda *args: built.append(1) or original(*args))
    assert queue_version() == latest
    queue_page(client)
    queue_page(client)
    assert not built


def test_with_a_shared_cache_the_queue_version_is_kept_until_a_case_changes(
    client, django_capture_on_commit_callbacks, settings
):
    """KEPT_LOOKUPS (core.stamped): a kept queue page reads neither cases nor their history; a
    transition, once committed, is on the next page."""
    settings.KEPT_LOOKUPS = True
    with django_capture_on_commit_callbacks(execute=True):
        agency = AgencyFactory().organization
        case = make_case(agency=agency, received_on=D(2026, 9, 18))
    sign_in_staff(client, staff_user("clerk", agency))

    def history_read():
        with CaptureQueriesContext(connection) as queries:
            html = without_per_response(client.get("/disclosures/apply/staff/").content.decode())
        return html, [q for q in queries.captured_queries if "inforequests_historicalcase" in q["sql"]]

    first, read = history_read()
    assert case.number in first and read
    again, read = history_read()
    assert again == first and read == []
    with django_capture_on_commit_callbacks(execute=True):
        services.case_extend(case=case, days=5, approver="王主任", reason="需要调档", on=D(2026, 10, 1))
    after, read = history_read()
    assert read and after != first and "延期" in after


def test_kept_queue_tables_are_shared_only_by_staff_who_may_see_the_same_cases(client, two_agencies):
    a, b, case_a, case_b = two_agencies
    sign_in_staff(client, staff_user("clerk-a", a))
    assert case_a.number in queue_page(client)[0]
    other = Client()
    sign_in_staff(other, staff_user("clerk-b", b))
    html, templates, read = queue_page(other)
    assert case_b.number in html and case_a.number not in html and read
    district = Client()
    sign_in_staff(district, staff_user("district", perms=["view_all_cases"]))
    html = queue_page(district)[0]
    assert case_a.number in html and case_b.number in html


def test_a_calendar_change_shows_in_the_kept_queue_at_once(client, two_agencies):
    from core.models import WorkingDayOverride

    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    queue_page(client)
    # A rest day declared on a day the case's deadline does not cross still changes the kept key
    # (days left are counted from today), and the page is worked out afresh.
    WorkingDayOverride.objects.create(date=D(2031, 1, 3), is_workday=False, note="测试调整")
    _, templates, read = queue_page(client)
    assert "inforequests/staff/queue_table.html" in templates and read


def test_the_queue_asks_chinesecalendar_once_per_day(client, two_agencies, monkeypatch):
    """A walk over a year of due dates asked chinesecalendar ~90 µs a day, every request."""
    import chinese_calendar

    from core import working_days

    asked = []
    real = chinese_calendar.is_workday
    monkeypatch.setattr(chinese_calendar, "is_workday", lambda day: asked.append(day) or real(day))
    working_days._official_workday.cache_clear()
    a, _, case_a, _ = two_agencies
    first = working_days.working_days_between(D(2026, 1, 1), D(2026, 12, 31))
    assert len(asked) == 364  # the days after 1 January up to 31 December
    assert working_days.working_days_between(D(2026, 1, 1), D(2026, 12, 31)) == first and len(asked) == 364
    sign_in_staff(client, staff_user("clerk", a))
    queue_page(client)
    queue_page(client, {"state": "all"})
    assert len(asked) == len(set(asked))


def admin_form_data(html):
    """What the browser would send back from the admin's change form, as shown."""
    from bs4 import BeautifulSoup

    form, data = BeautifulSoup(html, "html.parser").find("form", id="case_form"), {}
    for field in form.find_all(["input", "select", "textarea"]):
        name, kind = field.get("name"), field.get("type", "")
        if not name or kind in ("file", "submit") or (kind in ("checkbox", "radio") and not field.has_attr("checked")):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True)
            data[name] = chosen.get("value", "") if chosen else ""
        else:
            data[name] = field.text if field.name == "textarea" else field.get("value", "")
    return data


def test_a_reply_document_with_macros_is_refused_beside_its_field_in_the_admin(client, two_agencies):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    from inforequests.models import ReplyDocument

    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a, perms=["add_replydocument", "change_replydocument"]))
    url = f"/admin/inforequests/case/{case_a.pk}/change/"
    data = admin_form_data(client.get(url).content.decode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:  # a .docm renamed .docx: it keeps its VBA part
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
        package.writestr("word/vbaProject.bin", b"\xcc\x61\xff\xff")
    data |= {
        "documents-0-title": "答复材料",
        "documents-0-file": SimpleUploadedFile("答复材料.docx", buffer.getvalue()),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "documents")
    assert formset.forms[0].errors["file"] == [
        "文件中含有 VBA 宏，不能上传：请删除宏，或另存为 .docx / .xlsx / .pptx 后再上传。"
    ]
    assert 'value="答复材料"' in response.content.decode()
    assert not ReplyDocument.objects.exists()
    data["documents-0-file"] = SimpleUploadedFile("答复材料.xlsm", b"PK\x03\x04")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "含宏的 Office 文件（.xlsm）不能上传" in response.content.decode()
    data["documents-0-file"] = SimpleUploadedFile("答复材料.pdf", PDF)
    assert client.post(url, data).status_code == 302  # the same form, with a clean file, is saved
    assert ReplyDocument.objects.get().title == "答复材料"


def test_a_reply_document_is_held_to_the_kinds_and_size_of_an_attachment(client, two_agencies, settings):
    """Released documents reach the applicant as uploaded: a program or an oversized file is
    refused beside its field, as on a record's attachments, and the typed title is kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inforequests.models import ReplyDocument

    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a, perms=["add_replydocument", "change_replydocument"]))
    url = f"/admin/inforequests/case/{case_a.pk}/change/"
    data = admin_form_data(client.get(url).content.decode())
    data |= {"documents-0-title": "答复材料", "documents-0-file": SimpleUploadedFile("答复材料.exe", b"MZ\x90\x00")}
    response = client.post(url, data)
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "documents")
    assert formset.forms[0].errors["file"][0].startswith("不支持的附件类型 .exe")
    assert 'value="答复材料"' in response.content.decode()
    settings.DISCLOSURE_ATTACHMENT_MAX_BYTES = 1024
    data["documents-0-file"] = SimpleUploadedFile("答复材料.pdf", b"%PDF-1.4\n" + b"0" * 2048 + b"\n%%EOF\n")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "附件过大" in response.content.decode()
    assert not ReplyDocument.objects.exists()


def test_a_reply_document_kept_from_before_the_check_does_not_block_saving_the_case(client, two_agencies):
    """Documents released before reply documents were checked as attachments (a .rar, a .docm)
    stay as they are: saving the case leaves them alone instead of refusing every change."""
    from django.core.files.base import ContentFile

    from inforequests.models import ReplyDocument

    a, _, case_a, _ = two_agencies
    kept = ReplyDocument(case=case_a, title="旧材料")
    kept.file.save("旧材料.rar", ContentFile(b"Rar!\x1a\x07\x00" + b"\x00" * 32), save=False)
    kept.save()
    kept_docm = ReplyDocument(case=case_a, title="旧表格")
    kept_docm.file.save("旧表格.xlsm", ContentFile(b"PK\x03\x04"), save=False)
    kept_docm.save()
    sign_in_staff(client, staff_user("clerk", a, perms=["add_replydocument", "change_replydocument"]))
    url = f"/admin/inforequests/case/{case_a.pk}/change/"
    data = admin_form_data(client.get(url).content.decode())
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.formset.errors for f in response.context["inline_admin_formsets"]
    ]
    assert ReplyDocument.objects.filter(case=case_a).count() == 2


def test_the_queue_shows_a_paused_cases_waiting_date_and_that_it_passed(client, two_agencies):
    # Paused, a case has no due date: the queue said only 暂停, also of a third party's 15 working
    # days long gone, and of a case closed while paused (逾期不补正), which has no date at all.
    a, _, case_a, _ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    consulting = services.case_start_consultation(
        case=case_a, kind=Pause.Kind.THIRD_PARTY, party="某物业公司", started_on=D(2026, 9, 21)
    )
    correcting = services.case_request_correction(
        case=make_case(agency=a, received_on=D(2026, 9, 18)), notice_on=D(2026, 9, 21), reason="请补正"
    )
    lapsed = services.case_close_lapsed(case=correcting, today=correcting.waiting_until + dt.timedelta(days=1))
    html = client.get("/disclosures/apply/staff/", {"state": "all"}).content.decode()
    row = re.search(rf"{consulting.number}.*?</tr>", html, re.S).group()
    assert f"暂停（等待至{consulting.waiting_until:%Y-%m-%d}，<strong>已过</strong>）" in row  # 19 Oct 2026
    row = re.search(rf"{lapsed.number}.*?</tr>", html, re.S).group()
    assert lapsed.due_on is None and "暂停" not in row


def test_an_agency_keeps_its_own_request_desk_and_no_one_elses(client, two_agencies):
    """受理机关: the contact and 行政复议机关 every notice of an agency names. A reviewer of one
    agency (reference lists are theirs to change) rewrote another agency's, and could move a
    desk to another agency or open one for any agency."""
    from core.roles import REVIEWER
    from inforequests.models import Agency
    from tests.disclosures.test_admin import district_wide

    a, b, _, _ = two_agencies
    reviewer = staff_user("reviewer-a", a)
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    sign_in_staff(client, get_user_model().objects.get(pk=reviewer.pk))
    desk_a, desk_b = Agency.objects.get(organization=a), Agency.objects.get(organization=b)
    form = {"organization": b.pk, "accepts_requests": "on", "contact": "0871-1", "reconsideration_body": "某机关"}
    assert client.get(f"/admin/inforequests/agency/{desk_b.pk}/change/").status_code == 200  # to read
    assert client.post(f"/admin/inforequests/agency/{desk_b.pk}/change/", form).status_code == 403
    assert client.post(f"/admin/inforequests/agency/{desk_a.pk}/change/", form).status_code == 302
    desk_a.refresh_from_db()
    assert (desk_a.organization, desk_a.contact) == (a, "0871-1")  # its own contact, not another agency's desk
    assert Agency.objects.get(pk=desk_b.pk).contact == ""
    assert client.get("/admin/inforequests/agency/add/").status_code == 403

    sign_in_staff(client, district_wide(staff_user("district", a, perms=["change_agency", "view_agency"])))
    assert (
        client.post(f"/admin/inforequests/agency/{desk_b.pk}/change/", {**form, "contact": "0871-2"}).status_code == 302
    )
    assert Agency.objects.get(pk=desk_b.pk).contact == "0871-2"


def test_the_register_service_refuses_another_agencys_case(two_agencies):
    """Not only the staff form's choice of agency: the service asks too."""
    from .factories import applicant, request_data

    a, b, _, _ = two_agencies
    clerk = staff_user("clerk-a", a)
    arguments = {"channel": Case.Channel.POST, "received_on": D(2026, 9, 30), "applicant": applicant()}
    with pytest.raises(PermissionDenied):
        services.case_register(agency=b, user=clerk, request=request_data(title="别的机关的申请"), **arguments)
    assert not Case.objects.filter(title="别的机关的申请").exists()
    case, _ = services.case_register(agency=a, user=clerk, request=request_data(title="本机关的申请"), **arguments)
    assert case.agency == a


def test_the_admin_shows_how_the_due_date_was_computed_in_words(client, two_agencies):
    """It showed the stored inputs as JSON ({"clock_start": "2026-…", "pauses": […]})."""
    a, _, case_a, _ = two_agencies
    Case.objects.filter(pk=case_a.pk).update(
        due_inputs={
            "clock_start": "2026-09-29",
            "limit": 20,
            "pauses": [["2026-10-09", "2026-10-16", "补正"], ["2026-10-20", None, "征求意见"]],
            "exact": True,
        }
    )
    sign_in_staff(client, staff_user("clerk", a))
    html = client.get(f"/admin/inforequests/case/{case_a.pk}/change/").content.decode()
    assert "<li>自2026年9月29日的次日起计算20个工作日</li>" in html
    assert "<li>补正：2026年10月9日的次日至2026年10月16日，不计入期限</li>" in html
    assert "<li>征求意见：2026年10月20日的次日起，尚未结束，不计入期限</li>" in html
    assert "&quot;clock_start&quot;" not in html and 'name="due_inputs"' not in html
