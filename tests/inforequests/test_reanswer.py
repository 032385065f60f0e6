"""重新答复: an answered or archived case reopened by a 行政复议 decision, a judgment or the
agency's own correction; the first answer kept, a new clock, a new answer."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from core.working_days import add_working_days
from inforequests import selectors, services
from inforequests.models import Case, Outcome, Reanswer
from tests.staff import sign_in_staff

from .factories import PHONE, AgencyFactory, make_case, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]  # today: 2026-12-05
D = dt.date
RECEIVED, REPLIED = D(2026, 9, 18), D(2026, 10, 9)
ORDERED, SERVED = D(2026, 11, 16), D(2026, 11, 18)
STATUS = "/disclosures/apply/status/"


def answered(agency=None, **kwargs):
    case, code = make_case(agency=agency, received_on=RECEIVED, code=True)
    services.case_reply(case=case, outcome=Outcome.DENIED_PROCESS, replied_on=REPLIED, reply_text="属于过程性信息。")
    return Case.objects.get(pk=case.pk), code


def reopen(case, **kwargs):
    return services.case_reopen_for_reanswer(
        case=case,
        **{
            "basis": Reanswer.Basis.RECONSIDERATION,
            "order_reference": "官府复决字〔2026〕12号",
            "order_date": ORDERED,
            "served_on": SERVED,
            "reason": "原答复未说明不予公开的理由。",
            **kwargs,
        },
    )


def reanswer(case, **kwargs):
    return services.case_reanswer(
        case=case,
        **{"outcome": Outcome.PARTIAL, "replied_on": D(2026, 12, 4), "reply_text": "部分公开，见附件。", **kwargs},
    )


def test_an_archived_answer_reopens_on_a_new_clock_and_the_first_answer_is_kept():
    case, _ = answered()
    case = services.case_archive(case=case)
    first_due = case.due_on
    case = reopen(case)
    assert case.state == Case.State.REANSWERING and case.is_open
    # The order's service counts as the receipt: 20 working days from 18 Nov 2026.
    assert case.due_on == add_working_days(SERVED, 20)[0] == D(2026, 12, 16)
    assert "送达本机关之日视为收到申请之日" in case.due_inputs["basis"]
    assert (case.outcome, case.replied_on, case.reply_text) == (Outcome.DENIED_PROCESS, REPLIED, "属于过程性信息。")
    round_ = case.reanswers.get()
    assert round_.previous_due_on == first_due and round_.due_on == case.due_on
    event = case.events.get(action="责令重新答复")
    assert event.effective_on == SERVED and "官府复决字〔2026〕12号" in event.reason and "未说明" in event.reason
    notice = case.notices.get(key="reanswer")
    assert "2026年12月16日" in notice.body and "官府复决字〔2026〕12号" in notice.body

    case = reanswer(case)
    assert case.state == Case.State.ANSWERED and not case.is_open
    # The first answer is not overwritten; the new one is on its round.
    assert (case.outcome, case.replied_on, case.reply_text) == (Outcome.DENIED_PROCESS, REPLIED, "属于过程性信息。")
    round_.refresh_from_db()
    assert (round_.outcome, round_.replied_on, round_.answered_on_time) == (Outcome.PARTIAL, D(2026, 12, 4), True)
    new_notice = case.notices.get(key=Outcome.PARTIAL)
    assert (
        new_notice.title.startswith("（重新答复）") and "行政复议" in new_notice.body and "部分公开" in new_notice.body
    )
    assert case.notices.filter(key=Outcome.DENIED_PROCESS).exists()  # the first 告知书 kept
    assert case.events.filter(action="重新答复").exists()


def test_a_time_limit_the_order_sets_is_the_deadline():
    case, _ = answered()
    case = reopen(case, basis=Reanswer.Basis.LITIGATION_DIRECT, ordered_due_on=D(2026, 12, 31))
    assert case.due_on == D(2026, 12, 31)
    assert case.due_inputs["basis"].endswith("规定的答复期限")


def test_the_agency_may_correct_its_own_answer_without_an_order_number():
    case, _ = answered()
    case = reopen(case, basis=Reanswer.Basis.SELF_CORRECTION, order_reference="")
    assert case.state == Case.State.REANSWERING and case.events.filter(action="自行纠错").exists()


def test_forbidden_reanswer_moves_are_refused():
    open_case = make_case(received_on=RECEIVED)
    with pytest.raises(services.TransitionNotAllowed):
        reopen(open_case)  # an open case is answered, not answered again
    with pytest.raises(services.TransitionNotAllowed):
        reanswer(open_case)  # no round was opened
    case, _ = answered()
    with pytest.raises(services.TransitionNotAllowed):
        reanswer(case)  # answered, not reopened
    case = reopen(case)
    with pytest.raises(services.TransitionNotAllowed):
        reopen(case)  # one round at a time
    for call in (
        lambda c: services.case_reply(case=c, outcome=Outcome.GRANTED, replied_on=D(2026, 12, 1), reply_text="x"),
        lambda c: services.case_withdraw(case=c, withdrawn_on=D(2026, 12, 1)),
        lambda c: services.case_extend(case=c, days=5, approver="a", reason="b", on=D(2026, 12, 1)),
        lambda c: services.case_request_correction(case=c, notice_on=D(2026, 12, 1), reason="x"),
        lambda c: services.case_request_fee(case=c, notice_on=D(2026, 12, 1)),
        lambda c: services.case_archive(case=c),
        lambda c: services.case_split(case=c, descriptions=["a", "b"]),
    ):
        with pytest.raises(services.TransitionNotAllowed):
            call(case)
    case = Case.objects.get(pk=case.pk)
    assert case.state == Case.State.REANSWERING and case.outcome == Outcome.DENIED_PROCESS


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"order_reference": " "}, "order_reference"),  # a 复议决定书 has a number
        ({"reason": ""}, "reason"),
        ({"order_date": D(2026, 10, 1)}, "order_date"),  # before the answer it corrects
        ({"served_on": D(2026, 11, 10)}, "served_on"),  # before the order
        ({"served_on": D(2026, 12, 7)}, "served_on"),  # in the future
        ({"ordered_due_on": SERVED}, "ordered_due_on"),
        ({"basis": "appeal"}, "basis"),
    ],
)
def test_a_reopening_with_bad_dates_or_no_reference_says_which_field(overrides, field):
    case, _ = answered()
    with pytest.raises(ValidationError) as error:
        reopen(case, **overrides)
    assert field in error.value.message_dict
    assert Case.objects.get(pk=case.pk).state == Case.State.ANSWERED and not Reanswer.objects.exists()


def test_a_new_answer_needs_an_outcome_text_and_a_date_after_the_order_was_served():
    case = reopen(answered()[0])
    for overrides, field in (
        ({"outcome": Outcome.OTHER_UNPAID}, "outcome"),
        ({"reply_text": " "}, "reply_text"),
        ({"replied_on": D(2026, 11, 17)}, "replied_on"),
    ):
        with pytest.raises(ValidationError) as error:
            reanswer(case, **overrides)
        assert field in error.value.message_dict
    assert Case.objects.get(pk=case.pk).state == Case.State.REANSWERING


def test_table_three_counts_the_application_once_by_its_first_answer():
    """A re-answer is no new application (一、本年新收) and no second 办理结果: the case stays
    counted by its first answer, so the 勾稽 (一 + 二 = 三 + 四) and last year's 结转 hold."""
    from annualreports.tables import CARRIED_FORWARD, HANDLED_TOTAL, NEW, table_three

    case, _ = answered()
    agency = case.agency
    before = selectors.annual_report(cases=Case.objects.all(), year=2026)
    before_table = table_three([agency], 2026)
    case = reopen(case)
    assert selectors.annual_report(cases=Case.objects.all(), year=2026) == before  # while answering again
    reanswer(case)
    after = selectors.annual_report(cases=Case.objects.all(), year=2026)
    assert after == before
    rows = dict(after["rows"])
    assert rows["一、本年新收申请数量"][-1] == 1 and rows["三、（七）总计"][-1] == 1
    assert rows["三、" + Outcome.DENIED_PROCESS.label][-1] == 1 and rows["三、" + Outcome.PARTIAL.label][-1] == 0
    assert rows["四、结转下年度继续办理"][-1] == 0
    table = table_three([agency], 2026)
    assert table == before_table
    assert table[NEW]["total"] == table[HANDLED_TOTAL]["total"] == 1 and table[CARRIED_FORWARD]["total"] == 0


def test_table_four_must_count_the_corrections_that_ordered_a_reanswer(seed):
    """The 年报's table 四 is typed (ReviewCase); a 复议 decision that ordered a re-answer is a
    结果纠正 the report must count: the check names the case and the decision."""
    from annualreports.models import AnnualReport, ReviewCase
    from annualreports.selectors import report_findings

    def reanswer_findings(report, tables):
        return [finding for finding in report_findings(report, tables) if finding.rule == "表四纠错"]

    from annualreports.selectors import report_tables
    from disclosures.models import Organization

    organization = Organization.objects.exclude(section_code="").exclude(children__isnull=False).first()
    from inforequests.models import Agency

    Agency.objects.get_or_create(organization=organization)
    case = reopen(answered(organization)[0])
    report = AnnualReport.objects.create(organization=organization, year=2026)
    findings = reanswer_findings(report, report_tables(report))
    assert [f.rule for f in findings] == ["表四纠错"]
    assert case.number in findings[0].message and "官府复决字〔2026〕12号" in findings[0].message
    ReviewCase.objects.create(
        report=report, kind="reconsideration", result="corrected", reference="官府复决字〔2026〕12号"
    )
    assert reanswer_findings(report, report_tables(report)) == []


@pytest.fixture
def agency():
    return AgencyFactory().organization


def _post(client, case, action, data):
    return client.post(
        f"/disclosures/apply/staff/{case.pk}/", {"action": action, **{f"{action}-{k}": v for k, v in data.items()}}
    )


REOPEN_FORM = {
    "basis": "reconsideration",
    "order_reference": "官府复决字〔2026〕12号",
    "order_date": "2026-11-16",
    "served_on": "2026-11-18",
    "ordered_due_on": "",
    "reason": "原答复未说明不予公开的理由。",
}


def test_staff_reopen_and_answer_again_on_the_case_page_and_the_applicant_sees_it(client, agency):
    case, code = answered(agency)
    clerk = staff_user("clerk", agency)
    sign_in_staff(client, clerk)
    page = client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode()
    assert "重新答复（行政复议、行政诉讼或自行纠错）" in page and 'value="reanswer"' not in page
    response = _post(client, case, "reopen", {**REOPEN_FORM, "order_reference": ""})
    assert response.status_code == 400 and "请填写行政复议决定书或判决书的文号" in response.content.decode()
    assert _post(client, case, "reopen", REOPEN_FORM).status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.state == Case.State.REANSWERING and case.reanswers.get().opened_by == clerk
    page = client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode()
    assert "原答复（保留" in page and "属于过程性信息。" in page and "第1次重新答复" in page
    assert 'value="reanswer"' in page and 'value="reply"' not in page and 'value="withdraw"' not in page
    deadline = client.get(f"/disclosures/apply/staff/{case.pk}/deadline/").content.decode()
    assert "送达本机关之日视为收到申请之日" in deadline and "2026年12月16日" in deadline and "第20个工作日" in deadline
    queue = client.get("/disclosures/apply/staff/").content.decode()
    assert case.number in queue and "重新答复中" in queue  # open again: in the queue by its new due date

    status = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert "重新答复中" in status and "正在重新答复，期限至2026年12月16日" in status
    assert "原答复办理结果" in status and "重新答复告知书" in status

    assert (
        _post(
            client,
            case,
            "reanswer",
            {"outcome": "partial", "replied_on": "2026-12-04", "reply_text": "部分公开，见附件。"},
        ).status_code
        == 302
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == Case.State.ANSWERED and case.outcome == Outcome.DENIED_PROCESS
    status = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert (
        re.search(r"办理结果：部分公开（2026年12月4日）", status) and "（重新答复）政府信息公开申请答复告知书" in status
    )
    page = client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode()
    assert "部分公开，见附件。" in page and "属于过程性信息。" in page  # both answers


def test_reopening_is_scoped_like_every_other_transition(client, agency):
    case, _ = answered(agency)
    other = AgencyFactory().organization
    sign_in_staff(client, staff_user("other", other))
    assert _post(client, case, "reopen", REOPEN_FORM).status_code == 404
    with pytest.raises(PermissionDenied):
        reopen(case, user=staff_user("other-2", other))
    client.logout()
    sign_in_staff(client, _viewer(agency))  # may read the case, not change it
    assert _post(client, case, "reopen", REOPEN_FORM).status_code == 403
    assert Case.objects.get(pk=case.pk).state == Case.State.ANSWERED and not Reanswer.objects.exists()


def _viewer(agency):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = staff_user("viewer", agency)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="inforequests", codename="view_case"))
    return get_user_model().objects.get(pk=user.pk)


def test_the_admin_keeps_the_first_answer_read_only_while_answering_again(rf):
    from django.contrib import admin

    from inforequests.admin import CaseAdmin

    case = reopen(answered()[0])
    request = rf.get("/")
    request.user = staff_user("clerk", case.agency)
    readonly = CaseAdmin(Case, admin.site).get_readonly_fields(request, case)
    assert "reply_text" in readonly and "applicant_type" in readonly and "state" in readonly


def test_a_calendar_change_moves_the_rounds_deadline_with_the_cases(client, django_capture_on_commit_callbacks):
    """The State Council's holidays for 2027 published while a case is answered again: the
    round's deadline, which the applicant's status page and the staff page show and the new
    answer is judged on time against, moves as the case's does (services.recompute_open_cases)."""
    from core.models import WorkingDayOverride

    case, code = answered()
    case = reopen(case, order_date=D(2026, 12, 1), served_on=D(2026, 12, 4))
    assert case.due_on == case.reanswers.get().due_on == D(2027, 1, 4)  # provisional: 2027 not yet known
    with django_capture_on_commit_callbacks(execute=True):
        WorkingDayOverride.objects.create(date=D(2026, 12, 31), is_workday=False, note="测试调整")
    case.refresh_from_db()
    round_ = case.reanswers.get()
    assert case.due_on == D(2027, 1, 5)
    assert round_.due_on == case.due_on and round_.due_inputs == case.due_inputs


def test_disclosing_on_a_reanswer_what_a_third_party_was_asked_about_tells_the_third_party(client, agency):
    """条例 Art. 32: the first answer withheld what a third party objected to; the order to answer
    again leads to disclosing it. As with a first answer, the third party is told in writing
    what is disclosed and why, and the staff page asks for the reason beside its field."""
    from inforequests.models import Notice, Pause

    case = make_case(agency=agency, received_on=RECEIVED)
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.THIRD_PARTY, party="某某建材有限公司", started_on=D(2026, 9, 21)
    )
    case = services.case_end_consultation(case=case, ended_on=D(2026, 9, 28))
    case = services.case_reply(
        case=case, outcome=Outcome.DENIED_THIRD_PARTY, replied_on=REPLIED, reply_text="涉及商业秘密，不予公开。"
    )
    case = reopen(case)
    sign_in_staff(client, staff_user("clerk", agency))
    form = {"outcome": "granted", "replied_on": "2026-12-04", "reply_text": "予以公开。", "third_party_reason": ""}
    refused = _post(client, case, "reanswer", form)
    assert refused.status_code == 400 and "以书面告知第三方（条例第三十二条）" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).state == Case.State.REANSWERING

    reason = "不公开将对公共利益造成重大影响"
    assert _post(client, case, "reanswer", {**form, "third_party_reason": reason}).status_code == 302
    letter = case.notices.get(addressee=Notice.Addressee.THIRD_PARTY, key="third_party_disclosure")
    assert reason in letter.body and letter.issued_on == D(2026, 12, 4)


def test_a_case_page_sent_back_with_errors_says_so_first_in_its_title(client, agency):
    """With JavaScript off nothing moves the focus to the error summary: the <title> is what a
    screen reader says first, on the case page's action forms as on every other form."""
    case, _ = answered(agency)
    sign_in_staff(client, staff_user("clerk", agency))
    title = re.compile(r"<title>(.*?)</title>", re.S)
    assert (
        not title.search(client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode())
        .group(1)
        .startswith("填写有误")
    )
    response = _post(client, case, "reopen", {**REOPEN_FORM, "order_reference": ""})
    assert response.status_code == 400
    assert title.search(response.content.decode()).group(1).startswith("填写有误，请修改 - ")


def test_every_table_that_scrolls_sideways_can_be_scrolled_by_keyboard(client, agency):
    """At 320 px (长者模式 above all) the day-by-day deadline table, the queue and the report
    scroll sideways in their region: a keyboard reaches it only with tabindex, and a screen
    reader names it (components.scrolling_table). A bare div.table-scroll is neither."""
    case, code = answered(agency)
    reopen(case)
    status = Client().post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    sign_in_staff(client, staff_user("clerk", agency))
    pages = {
        "status": status,
        "deadline": client.get(f"/disclosures/apply/staff/{case.pk}/deadline/").content.decode(),
        "queue": client.get("/disclosures/apply/staff/").content.decode(),
        "report": client.get("/disclosures/apply/staff/report/").content.decode(),
    }
    for name, page in pages.items():
        regions = re.findall(r'<div class="table-scroll"[^>]*>', page)
        assert regions, name
        for region in regions:
            assert 'role="region"' in region and 'tabindex="0"' in region and "aria-label=" in region, (name, region)


@pytest.mark.parametrize("action", ["reply", "reanswer"])
def test_an_answer_longer_than_a_notice_holds_is_refused_beside_its_field_and_kept(client, agency, action):
    """The text goes into the 告知书; a text of 200,000 characters (a document pasted whole) is
    refused, named by its field, and comes back as typed: nothing is cut or lost."""
    from html import unescape

    from inforequests.forms import REPLY_MAX_CHARACTERS

    if action == "reply":
        case = make_case(agency=agency, received_on=RECEIVED)
    else:
        case = reopen(answered(agency)[0])
    sign_in_staff(client, staff_user("clerk", agency))
    text = "答复内容。" * 40_000
    response = _post(client, case, action, {"outcome": "granted", "replied_on": "2026-12-04", "reply_text": text})
    page = unescape(response.content.decode())
    assert response.status_code == 400
    label = "答复内容" if action == "reply" else "重新答复内容"
    assert f"{label}最多{REPLY_MAX_CHARACTERS}字（当前200000字）。" in page
    assert text in page
    case.refresh_from_db()
    assert case.state in (Case.State.REGISTERED, Case.State.REANSWERING)
