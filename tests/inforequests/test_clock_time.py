"""The clock in Beijing time while the machine runs in UTC: a receipt confirmed on a Beijing
evening, steps dated just after midnight, and the reminder command run every minute across
midnight. Calendar overrides also move the applicant's and third party's waiting dates."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from core.models import WorkingDayOverride
from core.working_days import add_working_days, load_calendar
from inforequests import clock, services
from inforequests.models import Case, CaseEvent, Outcome, Pause

from .factories import AgencyFactory, make_case, staff_reminders, staff_user
from .test_public import confirm, form_data

pytestmark = pytest.mark.django_db
D = dt.date


def beijing(*args):
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _run(**kwargs):
    call_command("send_request_reminders", stdout=io.StringIO(), **kwargs)


def test_an_online_request_confirmed_on_a_beijing_evening_is_received_that_beijing_day(client):
    """Confirmed Sun 29 Nov 2026 at 00:30 Beijing (still Sat 28 Nov in UTC): received Sunday,
    so the count starts Mon 30 Nov: 30 Nov–4 Dec (5), 7–11 (10), 14–18 (15), 21–25 (20) → 25 Dec."""
    agency = AgencyFactory().organization
    with time_machine.travel(beijing(2026, 11, 29, 0, 30), tick=False):
        assert dt.datetime.now(dt.UTC).date() == D(2026, 11, 28)
        assert confirm(client, form_data(agency)).status_code == 302
    case = Case.objects.get()
    assert case.received_on == D(2026, 11, 29) and case.clock_start == D(2026, 11, 29)
    assert case.due_on == D(2026, 12, 25)


def test_received_on_a_holiday_counts_from_the_next_working_day():
    # Received Thu 1 Oct 2026 (国庆): the first counted day is Thu 8 Oct, as if received on 7 Oct.
    assert make_case(received_on=D(2026, 10, 1)).due_on == make_case(received_on=D(2026, 10, 7)).due_on
    # Received on a Sunday is like received on the Friday before it when Saturday is a rest day.
    assert make_case(received_on=D(2026, 11, 29)).due_on == make_case(received_on=D(2026, 11, 27)).due_on


def test_a_step_just_after_midnight_in_beijing_may_be_dated_that_day():
    case = make_case(received_on=D(2026, 11, 27))
    with time_machine.travel(beijing(2026, 11, 30, 0, 5), tick=False):  # 29 Nov 16:05 UTC
        case = services.case_request_correction(case=case, notice_on=D(2026, 11, 30), reason="请补正")
        assert case.correction_notice_on == D(2026, 11, 30)
        assert case.events.get(action="告知补正").effective_on == D(2026, 11, 30)


def test_reminders_every_minute_across_beijing_midnight_fire_once_on_the_beijing_day():
    """Due Tue 22 Dec 2026 (received 24 Nov). On Thu 17 Dec 3 working days are left (预警);
    黄牌 (2 left) from 00:00 Fri 18 Dec in Beijing, which is 16:00 UTC on the 17th."""
    case = make_case(received_on=D(2026, 11, 24))
    assert case.due_on == D(2026, 12, 22)
    staff_user("handler", case.agency)
    mail.outbox.clear()
    minute = dt.timedelta(minutes=1)
    at = beijing(2026, 12, 17, 23, 57)
    for _ in range(6):  # 23:57 … 00:02 Beijing
        with time_machine.travel(at, tick=False):
            _run()
            sent = [m.subject[:4] for m in mail.outbox]
            assert sent == (["【预警】"] if at.day == 17 else ["【预警】", "【黄牌】"]), at
        at += minute
    at = beijing(2026, 12, 21, 23, 58)  # 红牌 from Tue 22 Dec, the due day, 00:00 Beijing
    for _ in range(4):
        with time_machine.travel(at, tick=False):
            _run()
        at += minute
    assert [m.subject[:4] for m in mail.outbox] == ["【预警】", "【黄牌】", "【红牌】"]
    assert staff_reminders(case=case).count() == 3


def test_a_lapsed_correction_closes_just_after_beijing_midnight_not_before():
    case = make_case(received_on=D(2026, 11, 24))
    case = services.case_request_correction(case=case, notice_on=D(2026, 11, 25), reason="请补正")
    last = case.waiting_until  # 15 working days after 25 Nov: Wed 16 Dec
    assert last == D(2026, 12, 16)
    with time_machine.travel(beijing(2026, 12, 16, 23, 59), tick=False):
        _run()
        assert Case.objects.get(pk=case.pk).state == Case.State.CORRECTION
    with time_machine.travel(beijing(2026, 12, 17, 0, 0, 30), tick=False):
        _run()
        _run()
    case.refresh_from_db()
    assert case.state == Case.State.ANSWERED and case.outcome == Outcome.OTHER_NO_CORRECTION
    assert case.events.filter(action="逾期终止").count() == 1
    # Closed as of the end of the applicant's last day; the 告知书 is dated the day it is issued.
    assert case.replied_on == D(2026, 12, 16) and case.notices.get(key=case.outcome).issued_on == D(2026, 12, 17)


@pytest.mark.parametrize(
    "start",
    [
        lambda case: services.case_request_correction(case=case, notice_on=D(2026, 11, 25), reason="请补正"),
        lambda case: services.case_start_consultation(
            case=case, kind=Pause.Kind.THIRD_PARTY, party="某企业", started_on=D(2026, 11, 25)
        ),
        lambda case: services.case_request_fee(case=case, notice_on=D(2026, 11, 25)),
    ],
    ids=["correction", "third-party", "fee"],
)
def test_a_calendar_change_moves_the_waiting_date_of_a_paused_case(start, django_capture_on_commit_callbacks):
    """The applicant's 补正 or payment period and a third party's 15 days are working days too:
    a rest day added inside them gives one more day, else the reminder command would close the
    case as 逾期不补正 / 逾期未缴费 a working day early."""
    case = make_case(received_on=D(2026, 11, 24), items=[f"事项{i}" for i in range(11)])
    with time_machine.travel(beijing(2026, 11, 26, 9, 0), tick=False):
        case = start(case)
    before = case.waiting_until
    with django_capture_on_commit_callbacks(execute=True):
        WorkingDayOverride.objects.create(date=D(2026, 12, 2), is_workday=False, note="测试调整")
    case.refresh_from_db()
    assert case.waiting_until == add_working_days(before, 1)[0] != before
    event = CaseEvent.objects.get(case=case, action="期限重算")
    assert f"申请人或第三方期限 {before} → {case.waiting_until}" in event.reason and "— → —" not in event.reason
    moved = case.waiting_until
    with django_capture_on_commit_callbacks(execute=True):
        WorkingDayOverride.objects.get(date=D(2026, 12, 2)).delete()
    case.refresh_from_db()
    assert case.waiting_until == moved  # never earlier than a date the other side may have been told


def test_the_applicants_status_page_does_not_name_the_third_party(client):
    """The applicant is told the clock stops for a 征求意见, not whom the agency asks (Art. 32: a
    third party's name and what they answered are theirs): not in the events, not in the days
    the clock paused, not from the staff's note when the opinion came back."""
    from .factories import PHONE

    case, code = make_case(received_on=D(2026, 11, 24), code=True)
    with time_machine.travel(beijing(2026, 12, 1, 9, 0), tick=False):
        services.case_start_consultation(
            case=case, kind=Pause.Kind.THIRD_PARTY, party="李第三方", started_on=D(2026, 11, 26)
        )
        page = client.post("/disclosures/apply/status/", {"query_code": code, "tail": PHONE[-4:]})
        assert page.status_code == 200
        text = page.content.decode()
        assert "李第三方" not in text
        assert "征求第三方意见" in text and "暂停计时" in text  # the applicant still sees why the clock stopped
        services.case_end_consultation(case=case, ended_on=D(2026, 11, 30), note="李第三方不同意公开")
        text = client.post("/disclosures/apply/status/", {"query_code": code, "tail": PHONE[-4:]}).content.decode()
        assert "李第三方" not in text and "征求意见结束" in text
    staff_text = str(clock.case_deadline(case, calendar=load_calendar()).days)
    assert "李第三方" in staff_text  # staff see whom they asked


def test_a_case_closed_while_its_clock_was_stopped_shows_no_due_date(client):
    """逾期不补正: the clock stopped at the 补正 notice and never ran again, so there was no due
    date; the walk over the closed pause gave one weeks after the case was closed, and the
    applicant's page showed it."""
    from .factories import PHONE

    case, code = make_case(received_on=D(2026, 9, 18), code=True)
    case = services.case_request_correction(case=case, notice_on=D(2026, 9, 22), reason="请补正")
    case = services.case_close_lapsed(case=case, today=D(2026, 10, 21))
    case.refresh_from_db()
    assert case.outcome == Outcome.OTHER_NO_CORRECTION and case.due_on is None
    text = client.post("/disclosures/apply/status/", {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert "2026年11月13日" not in text and "计时暂停（" not in text


def test_the_staff_deadline_page_of_a_closed_case_states_the_deadline_it_closed_against(client):
    """The page replays the walk with today's calendar and the pauses as closed: for an answered
    case whose calendar changed since, or one closed while its clock was stopped, that walk
    gives a date the case never had. The page says which date the case closed against."""
    from tests.staff import sign_in_staff

    case = make_case(received_on=D(2026, 9, 18))
    case = services.case_request_correction(case=case, notice_on=D(2026, 9, 22), reason="请补正")
    case = services.case_close_lapsed(case=case, today=D(2026, 10, 21))
    answered = make_case(agency=case.agency, received_on=D(2026, 9, 18))  # due 22 Oct
    answered = services.case_reply(case=answered, outcome="granted", replied_on=D(2026, 10, 9), reply_text="公开")
    WorkingDayOverride.objects.create(date=D(2026, 10, 14), is_workday=False, note="测试调整")
    sign_in_staff(client, staff_user("clerk", case.agency))
    html = client.get(f"/disclosures/apply/staff/{case.pk}/deadline/").content.decode()
    assert "答复期限为<strong>2026年11月13日</strong>" not in html
    assert "办结时计时暂停" in html
    html = client.get(f"/disclosures/apply/staff/{answered.pk}/deadline/").content.decode()
    assert "答复期限为<strong>2026年10月22日</strong>" in html and "2026年10月23日" in html  # stored; today's walk


def test_an_override_in_a_mistyped_year_is_refused_beside_the_date(client, admin_user):
    """2062 for 2026 (or 0026) was saved without a word: a day no case reaches, and the change
    staff meant never made."""
    from tests.staff import sign_in_staff

    with time_machine.travel(beijing(2026, 12, 5, 10, 0), tick=False):
        sign_in_staff(client, admin_user)
        for typed in ("2062-12-10", "0026-12-10", "2008-04-30"):
            response = client.post(
                "/admin/core/workingdayoverride/add/", {"date": typed, "note": "12月10日休息（区政府通知）"}
            )
            assert response.status_code == 200, typed
            form = response.context["adminform"].form
            assert "请核对年份" in str(form.errors["date"]) and "区政府通知" in response.content.decode()
            # Dates written as the notices write them (it read 2008年05月01日).
            assert "日期应在2008年5月1日至2027年12月31日之间" in str(form.errors["date"])
        assert not WorkingDayOverride.objects.exists()
        for typed in ("2027-02-05", "2008-05-01"):  # next year's notice; back to the 条例 of 2008
            response = client.post("/admin/core/workingdayoverride/add/", {"date": typed, "note": "通知"})
            assert response.status_code == 302, typed
    assert WorkingDayOverride.objects.count() == 2


def test_the_applicant_is_asked_to_act_by_a_date_only_when_the_wait_is_theirs(client):
    """待补正 / 待缴费: the applicant's own date. During a 征求意见 the waiting date is the third
    party's 15 working days: '请于…前办理' told the applicant to do something by then."""
    from .factories import PHONE

    case, code = make_case(received_on=D(2026, 11, 24), code=True)
    lookup = {"query_code": code, "tail": PHONE[-4:]}
    with time_machine.travel(beijing(2026, 12, 1, 9, 0), tick=False):
        case = services.case_start_consultation(
            case=case, kind=Pause.Kind.THIRD_PARTY, party="李第三方", started_on=D(2026, 11, 26)
        )
        assert case.waiting_until is not None
        text = client.post("/disclosures/apply/status/", lookup).content.decode()
        assert "计时暂停（征求意见中）" in text and "请于" not in text
        case = services.case_end_consultation(case=case, ended_on=D(2026, 11, 30))
        case = services.case_request_correction(case=case, notice_on=D(2026, 12, 1), reason="请写明文号")
        text = client.post("/disclosures/apply/status/", lookup).content.decode()
        assert f"请于{case.waiting_until.year}年{case.waiting_until.month}月{case.waiting_until.day}日前办理" in text


def test_the_applicants_status_page_names_the_corrected_fields_not_the_staffs_reason(client):
    """The reason for correcting an applicant's particulars is staff's free text and may give the
    value ('应为王小五'): the status page, open to whoever holds the 查询码 and a tail, names the
    fields corrected; staff keep the reason in the 办理记录."""
    from .factories import PHONE

    case, code = make_case(received_on=D(2026, 11, 24), code=True)
    with time_machine.travel(beijing(2026, 12, 1, 9, 0), tick=False):
        case.name = "王小五"
        services.case_correct_applicant(case=case, changed=["name"], reason="登记时姓名写错，应为王小五")
        text = client.post("/disclosures/apply/status/", {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert "更正申请人信息：申请人姓名/名称" in text
    assert "王小五" not in text and "登记时姓名写错" not in text
    assert "应为王小五" in CaseEvent.objects.get(case=case, action="更正申请人信息").reason
