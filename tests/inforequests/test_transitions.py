import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from inforequests import services
from inforequests.models import TRANSITIONS, Case, Outcome, Pause

from .factories import make_case, staff_reminders

pytestmark = pytest.mark.django_db
D = dt.date
RECEIVED = D(2026, 9, 18)  # due 22 Oct 2026 (test_clock)


def reply(case, **kwargs):
    return services.case_reply(
        case=case, **{"outcome": Outcome.GRANTED, "replied_on": D(2026, 10, 9), "reply_text": "予以公开", **kwargs}
    )


def test_register_records_event_notice_and_history():
    case = make_case(received_on=RECEIVED)
    assert case.state == Case.State.REGISTERED
    assert case.events.get().action == "登记"
    assert case.notices.get().key == "receipt"
    assert case.history.first().history_change_reason == "登记"
    assert case.items.count() == 1


def test_reply_closes_with_an_outcome_and_the_rights_notice():
    case = reply(make_case(received_on=RECEIVED), outcome=Outcome.DENIED_PROCESS)
    assert case.state == Case.State.ANSWERED and case.answered_on_time is True
    notice = case.notices.get(key=Outcome.DENIED_PROCESS)
    # A refusal: 复议 first, then a lawsuit within 15 days of the 复议决定 (行政复议法 Art. 23).
    assert "应当先" in notice.body and "六十日内依法申请行政复议" in notice.body and "十五日内" in notice.body
    assert case.answer_working_days == 10  # see test_answer_working_days_counts_the_calendar
    case = services.case_archive(case=case)
    assert case.state == Case.State.ARCHIVED


def test_answer_working_days_counts_the_calendar():
    from core.working_days import working_days_between

    # 18 Sep → 9 Oct 2026: Sun 20 (调休), 21–24, 28–30 Sep, 8–9 Oct = 1 + 4 + 3 + 2 = 10.
    assert working_days_between(RECEIVED, D(2026, 10, 9)) == (10, True)


def test_reply_needs_an_outcome_and_text():
    case = make_case(received_on=RECEIVED)
    with pytest.raises(ValidationError) as error:
        services.case_reply(case=case, outcome="", replied_on=D(2026, 10, 9), reply_text="x")
    assert "outcome" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text=" ")
    assert "reply_text" in error.value.message_dict
    assert Case.objects.get(pk=case.pk).state == Case.State.REGISTERED


def test_every_forbidden_transition_is_refused():
    table = {state: TRANSITIONS[state] for state in Case.State}
    assert table[Case.State.ARCHIVED] == {Case.State.REANSWERING}  # only an order to answer again reopens it
    assert Case.State.REGISTERED not in table[Case.State.ANSWERED]  # a reply is final
    closed = services.case_archive(case=reply(make_case(received_on=RECEIVED)))
    for call in (
        lambda c: services.case_request_correction(case=c, notice_on=D(2026, 9, 21), reason="x"),
        lambda c: services.case_extend(case=c, days=5, approver="a", reason="b", on=D(2026, 10, 1)),
        lambda c: services.case_start_consultation(
            case=c, kind=Pause.Kind.AGENCY, party="x", started_on=D(2026, 9, 21)
        ),
        lambda c: services.case_request_fee(case=c, notice_on=D(2026, 9, 21)),
        lambda c: reply(c),
        lambda c: services.case_archive(case=c),
    ):
        with pytest.raises(services.TransitionNotAllowed):
            call(closed)
    assert Case.objects.get(pk=closed.pk).state == Case.State.ARCHIVED


def test_no_reply_while_paused_and_no_second_correction_or_extension():
    case = make_case(received_on=RECEIVED)
    case = services.case_request_correction(case=case, notice_on=D(2026, 9, 21), reason="x")
    with pytest.raises(services.TransitionNotAllowed):
        reply(case)
    with pytest.raises(services.TransitionNotAllowed):
        services.case_extend(case=case, days=5, approver="a", reason="b", on=D(2026, 9, 22))
    case = services.case_receive_correction(case=case, received_on=D(2026, 9, 23))
    with pytest.raises(ValidationError):
        services.case_request_correction(case=case, notice_on=D(2026, 9, 24), reason="再补正")  # one notice only
    case = services.case_extend(case=case, days=20, approver="a", reason="b", on=D(2026, 9, 24))
    with pytest.raises(services.TransitionNotAllowed):
        services.case_extend(case=case, days=1, approver="a", reason="b", on=D(2026, 9, 25))
    consult = services.case_start_consultation(
        case=case, kind=Pause.Kind.AGENCY, party="区财政局", started_on=D(2026, 9, 28)
    )
    consult = services.case_end_consultation(case=consult, ended_on=D(2026, 9, 29))
    assert consult.state == Case.State.EXTENDED  # back to where it was


def test_extension_limits():
    case = make_case(received_on=RECEIVED)
    with pytest.raises(ValidationError) as error:
        services.case_extend(case=case, days=21, approver="", reason="", on=D(2026, 10, 1))
    assert set(error.value.message_dict) == {"days", "approver", "reason"}
    with pytest.raises(ValidationError) as error:
        services.case_extend(case=case, days=5, approver="a", reason="b", on=D(2026, 10, 23))  # after the due date
    assert "on" in error.value.message_dict


def test_reminders_close_lapsed_corrections_and_are_idempotent(django_capture_on_commit_callbacks):
    from .factories import staff_user

    case = make_case(received_on=RECEIVED)
    staff_user("handler", case.agency)
    case = services.case_request_correction(
        case=case, notice_on=D(2026, 9, 21), reason="请补正", waiting_until=D(2026, 10, 12)
    )
    call_command("send_request_reminders", date="2026-10-12", stdout=open("/dev/null", "w"))
    assert Case.objects.get(pk=case.pk).state == Case.State.CORRECTION  # the last day is still the applicant's
    call_command("send_request_reminders", date="2026-10-13", stdout=open("/dev/null", "w"))
    case.refresh_from_db()
    assert case.state == Case.State.ANSWERED and case.outcome == Outcome.OTHER_NO_CORRECTION

    other = make_case(agency=case.agency, received_on=RECEIVED)  # due 22 Oct
    mail.outbox.clear()
    for _ in range(3):  # every minute: one 黄牌 mail only (2 working days left on Tue 20 Oct)
        call_command("send_request_reminders", date="2026-10-20", stdout=open("/dev/null", "w"))
    assert [m.subject[:4] for m in mail.outbox] == ["【黄牌】"]
    assert staff_reminders(case=other).count() == 1
    call_command("send_request_reminders", date="2026-10-23", stdout=open("/dev/null", "w"))
    assert mail.outbox[-1].subject.startswith("【红牌】")


def test_fee_lapse_closes_as_unpaid():
    cases = [make_case(received_on=D(2026, 9, 1)) for _ in range(10)]
    eleventh = make_case(agency=cases[0].agency, received_on=D(2026, 9, 2))
    eleventh = services.case_request_fee(case=eleventh, notice_on=D(2026, 9, 3))
    assert eleventh.state == Case.State.FEE and eleventh.fee_amount == 100 and eleventh.due_on is None
    last = eleventh.waiting_until
    services.case_close_lapsed(case=eleventh, today=last + dt.timedelta(days=3))  # a run missed two days
    eleventh.refresh_from_db()
    assert eleventh.outcome == Outcome.OTHER_UNPAID and eleventh.replied_on == last


def test_payment_resumes_the_clock():
    for _ in range(10):
        make_case(received_on=D(2026, 9, 1))
    case = make_case(received_on=D(2026, 9, 18))
    case = services.case_request_fee(case=case, notice_on=D(2026, 9, 21))
    # Paid Wed 23 Sep: 22 and 23 Sep (2 working days) do not count → 22 Oct + 2 = 26 Oct.
    case = services.case_record_payment(case=case, paid_on=D(2026, 9, 23))
    assert case.state == Case.State.REGISTERED and case.due_on == D(2026, 10, 26)


def test_fees_count_per_applicant_per_calendar_month():
    # Ten requests on 31 Oct are free; the eleventh that day costs 100元; the one on 1 Nov is the
    # first of November again and free.
    agency = make_case(received_on=D(2026, 10, 31)).agency
    for _ in range(9):
        make_case(agency=agency, received_on=D(2026, 10, 31))
    eleventh = make_case(agency=agency, received_on=D(2026, 10, 31))
    november = make_case(agency=agency, received_on=D(2026, 11, 1))
    other_person = make_case(agency=agency, received_on=D(2026, 10, 31), id_number="440524188001010014")
    assert services.fee_quote(eleventh) == (100, [(11, 100)])
    assert services.fee_quote(november) == (0, [(1, 0)])
    assert services.fee_quote(other_person)[0] == 0
    with pytest.raises(ValidationError):
        services.case_request_fee(case=november, notice_on=D(2026, 11, 2))


def test_split_items_count_for_fees_and_duplicates_link():
    agency = make_case(received_on=D(2026, 10, 5)).agency  # request 1 of the month
    case = make_case(agency=agency, received_on=D(2026, 10, 6))
    services.case_split(case=case, descriptions=[f"事项{n}" for n in range(1, 13)])  # requests 2–13
    assert services.fee_quote(case) == (300, [(n, 0 if n <= 10 else 100) for n in range(2, 14)])
    again = make_case(agency=agency, received_on=D(2026, 10, 7))
    with pytest.raises(ValidationError):  # Art. 36(6): a repeat of a request already answered
        services.case_link_duplicate(case=again, original=case)
    services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 7), reply_text="予以公开。")
    services.case_link_duplicate(case=again, original=case)
    assert Case.objects.get(pk=again.pk).duplicate_of_id == case.pk


def test_case_numbers_follow_the_configured_pattern_per_year(settings):
    settings.INFOREQUESTS_CASE_NUMBER_PATTERN = "GD-YSQ-{year}-{serial:05d}"
    first = make_case(received_on=D(2025, 12, 31))
    second = make_case(received_on=D(2026, 1, 5))
    third = make_case(received_on=D(2026, 1, 6))
    assert (first.number, second.number, third.number) == (
        "GD-YSQ-2025-00001",
        "GD-YSQ-2026-00001",
        "GD-YSQ-2026-00002",
    )


def test_staff_are_told_once_when_a_third_partys_time_to_answer_has_passed(django_capture_on_commit_callbacks):
    # The clock stays stopped while a consultation is open: with no answer from the third party,
    # nothing else would ever remind anyone of the case (its due date is unknown while paused).
    from .factories import staff_user

    case = make_case(received_on=RECEIVED)
    staff_user("handler", case.agency)
    with django_capture_on_commit_callbacks(execute=True):  # the applicants' notices, mailed
        case = services.case_start_consultation(
            case=case, kind=Pause.Kind.THIRD_PARTY, party="某物业公司", started_on=D(2026, 9, 21)
        )
        asked_agency = services.case_start_consultation(
            case=make_case(agency=case.agency, received_on=RECEIVED),
            kind=Pause.Kind.AGENCY,
            party="区财政局",
            started_on=D(2026, 9, 21),
        )
    assert case.due_on is None and asked_agency.waiting_until is None  # another agency has no set time
    last_day = case.waiting_until  # 15 working days after 21 Sep, over 国庆
    assert last_day == D(2026, 10, 19)
    mail.outbox.clear()
    call_command("send_request_reminders", date=f"{last_day}", stdout=open("/dev/null", "w"))
    assert mail.outbox == []  # the last day is still the third party's
    for _ in range(3):  # every minute: once
        call_command("send_request_reminders", date="2026-10-20", stdout=open("/dev/null", "w"))
    assert [m.subject for m in mail.outbox] == [
        f"【征求意见到期】依申请公开 {case.number} 第三方意见期限 2026年10月19日"
    ]
    assert mail.outbox[0].to == ["handler@example.com"]
    assert "条例第三十二条" in mail.outbox[0].body and "某物业公司" not in mail.outbox[0].body

    services.case_end_consultation(case=case, ended_on=D(2026, 10, 21))
    mail.outbox.clear()
    call_command("send_request_reminders", date="2026-10-22", stdout=open("/dev/null", "w"))
    assert not any("征求意见" in m.subject for m in mail.outbox)
