"""Clock rules on the real 2026 calendar (chinesecalendar, State Council notice 国办发明电〔2025〕7号):
中秋 25–27 Sep (Fri–Sun), 国庆 1–7 Oct, 调休 working days Sun 20 Sep and Sat 10 Oct."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core import holiday_entry
from core.models import WorkingDayOverride
from core.working_days import Calendar, add_working_days, is_workday, working_days_between
from inforequests import clock, services
from inforequests.models import Case, CaseEvent, Pause

from .factories import make_case

pytestmark = pytest.mark.django_db
D = dt.date


def test_received_the_day_before_national_day():
    # Received Wed 30 Sep 2026. 1–7 Oct are 国庆 (not counted). Counting from 8 Oct:
    # Thu 8 (1), Fri 9 (2), Sat 10 调休 (3), Mon 12–Fri 16 (4–8), Mon 19–Fri 23 (9–13),
    # Mon 26–Fri 30 (14–18), Mon 2 Nov (19), Tue 3 Nov (20) → due 3 Nov 2026.
    case = make_case(received_on=D(2026, 9, 30))
    assert case.due_on == D(2026, 11, 3)
    assert case.due_exact
    assert case.due_inputs["clock_start"] == "2026-09-30" and case.due_inputs["limit"] == 20


def test_received_before_a_tiaoxiu_saturday_and_sunday():
    # Received Fri 18 Sep 2026. Sat 19 not counted; Sun 20 调休 (1); Mon 21–Thu 24 (2–5);
    # 25–27 中秋 skipped; Mon 28–Wed 30 (6–8); 1–7 Oct skipped; Thu 8, Fri 9 (9, 10);
    # Sat 10 调休 (11); Mon 12–Fri 16 (12–16); Mon 19–Thu 22 (17–20) → due 22 Oct 2026.
    case = make_case(received_on=D(2026, 9, 18))
    assert case.due_on == D(2026, 10, 22)
    days = clock.case_deadline(case, calendar=Calendar()).days
    by_date = {day.date: day for day in days}
    assert by_date[D(2026, 9, 20)].status == "counted" and by_date[D(2026, 9, 20)].why == "调休上班"
    assert by_date[D(2026, 9, 19)].status == "skipped" and by_date[D(2026, 9, 19)].why == "周末"
    assert by_date[D(2026, 10, 1)].why == "法定节假日（国庆节）"
    assert by_date[D(2026, 9, 25)].why == "法定节假日（中秋节）"
    assert by_date[D(2026, 10, 10)].number == 11
    assert [day.number for day in days if day.status == "counted"] == list(range(1, 21))


def test_correction_restarts_the_clock_from_the_day_it_arrives():
    case = make_case(received_on=D(2026, 9, 18))
    case = services.case_request_correction(case=case, notice_on=D(2026, 9, 22), reason="请写明道路名称")
    assert case.state == Case.State.CORRECTION and case.due_on is None  # the clock is stopped
    # 补正 arrives Fri 9 Oct: count from Sat 10 Oct 调休 (1); Mon 12–Fri 16 (2–6); 19–23 (7–11);
    # 26–30 (12–16); Mon 2–Thu 5 Nov (17–20) → due 5 Nov 2026.
    case = services.case_receive_correction(case=case, received_on=D(2026, 10, 9))
    assert case.state == Case.State.REGISTERED
    assert case.clock_start == D(2026, 10, 9) and case.due_on == D(2026, 11, 5)


def test_consultation_time_is_excluded_from_the_clock():
    case = make_case(received_on=D(2026, 9, 18))  # due 22 Oct without a pause
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.THIRD_PARTY, party="某企业", started_on=D(2026, 10, 12)
    )
    assert case.due_on is None
    # Third party: 15 working days after Mon 12 Oct → 13–16 (4), 19–23 (9), 26–30 (14), Mon 2 Nov (15).
    assert case.waiting_until == D(2026, 11, 2)
    # Opinion arrives Fri 16 Oct: 13–16 Oct (4 working days) do not count, so 22 Oct moves 4
    # working days on: 23, 26, 27, 28 → due Wed 28 Oct.
    case = services.case_end_consultation(case=case, ended_on=D(2026, 10, 16))
    assert case.due_on == D(2026, 10, 28)
    paused = [day.date for day in clock.case_deadline(case, calendar=Calendar()).days if day.status == "paused"]
    assert paused == [D(2026, 10, 13), D(2026, 10, 14), D(2026, 10, 15), D(2026, 10, 16)]


def test_extension_adds_up_to_twenty_working_days_with_the_approver():
    case = make_case(received_on=D(2026, 9, 18))
    case = services.case_extend(case=case, days=5, approver="王主任", reason="需调取档案", on=D(2026, 10, 20))
    # 22 Oct + 5 working days: 23, 26, 27, 28, 29 → 29 Oct.
    assert case.state == Case.State.EXTENDED and case.due_on == D(2026, 10, 29)
    assert case.extension_approver == "王主任"
    assert case.notices.filter(key="extension").exists()
    event = case.events.get(action="延期答复")
    assert "王主任" in event.reason


def test_a_calendar_override_recomputes_open_cases_and_logs_it(django_capture_on_commit_callbacks):
    case = make_case(received_on=D(2026, 9, 18))  # due Thu 22 Oct
    answered = make_case(received_on=D(2026, 9, 18))
    answered = services.case_reply(case=answered, outcome="granted", replied_on=D(2026, 10, 9), reply_text="予以公开")
    with django_capture_on_commit_callbacks(execute=True):
        # A (made-up) local decision: Wed 14 Oct becomes a rest day → one working day fewer → Fri 23 Oct.
        WorkingDayOverride.objects.create(date=D(2026, 10, 14), is_workday=False, note="测试调整")
    case.refresh_from_db()
    assert case.due_on == D(2026, 10, 23)
    event = CaseEvent.objects.get(case=case, action="期限重算")
    assert "2026-10-22 → 2026-10-23" in event.reason and "2026-10-14" in event.reason
    answered.refresh_from_db()
    assert answered.due_on == D(2026, 10, 22)  # closed cases keep the deadline they were answered against
    assert not CaseEvent.objects.filter(case=answered, action="期限重算").exists()
    later = make_case(received_on=D(2026, 10, 26))  # its clock starts after 14 Oct: not touched
    with django_capture_on_commit_callbacks(execute=True):
        override = WorkingDayOverride.objects.get(date=D(2026, 10, 14))
        override.date = D(2026, 10, 15)  # moved: both days matter, the result is the same 23 Oct
        override.save()
    case.refresh_from_db()
    assert case.due_on == D(2026, 10, 23)
    with django_capture_on_commit_callbacks(execute=True):
        WorkingDayOverride.objects.get(date=D(2026, 10, 15)).delete()
    case.refresh_from_db()
    assert case.due_on == D(2026, 10, 22)
    assert not CaseEvent.objects.filter(case=later, action="期限重算").exists()


def test_a_whole_notice_recomputes_once_naming_its_runs(django_capture_on_commit_callbacks):
    """Per day, the first day's 期限重算 event stood for the whole notice's move."""
    case = make_case(received_on=D(2026, 9, 18))  # due Thu 22 Oct
    with django_capture_on_commit_callbacks(execute=True):
        holiday_entry.enter_notice("2026-10-14 至 2026-10-15 放假 测试调整")
    case.refresh_from_db()
    assert case.due_on == D(2026, 10, 26)  # two working days fewer: Fri 23, Mon 26
    events = [event.reason for event in CaseEvent.objects.filter(case=case, action="期限重算")]
    assert len(events) == 1, events
    assert "按通知录入放假安排：2026-10-14至2026-10-15放假（2天）" in events[0]
    assert "2026-10-22 → 2026-10-26" in events[0]


def test_override_table_is_read_before_chinesecalendar_and_for_unknown_years():
    assert is_workday(D(2026, 10, 10)) == (True, True)  # 调休 Saturday, from chinesecalendar
    WorkingDayOverride.objects.create(date=D(2026, 10, 10), is_workday=False, note="测试")
    assert is_workday(D(2026, 10, 10)) == (False, True)
    # 2031 is unknown to chinesecalendar 1.11: weekdays less 元旦, 劳动节 and 国庆, flagged
    # inexact; an override is exact.
    assert is_workday(D(2031, 1, 2)) == (True, False) and is_workday(D(2031, 1, 1)) == (False, False)
    WorkingDayOverride.objects.create(date=D(2031, 1, 2), is_workday=False, note="2031年元旦调休")
    assert is_workday(D(2031, 1, 2)) == (False, True)
    assert working_days_between(D(2030, 12, 31), D(2031, 1, 3)) == (1, False)
    assert add_working_days(D(2030, 12, 31), 1) == (D(2031, 1, 3), False)


def test_a_deadline_in_a_year_not_yet_scheduled_skips_new_year_and_is_marked_provisional():
    """chinesecalendar 1.11 (pinned) knows no 2027: the 20 working days after Fri 4 Dec 2026
    are 7–11, 14–18, 21–25 and 28–31 Dec (19), then — 1 Jan 2027 (a Friday) being 元旦 — Mon
    4 Jan. The receipt and its notice say the date is provisional."""
    case = make_case(received_on=D(2026, 12, 4))
    assert (case.due_on, case.due_exact) == (D(2027, 1, 4), False)
    assert "暂定" in case.notices.get(key="receipt").body


def test_recompute_deadlines_moves_an_open_case_counted_by_older_rules():
    """After an upgrade that counts differently (a new chinesecalendar, this fallback): the
    command moves the stored date and logs it on the case."""
    from io import StringIO

    from django.core.management import call_command

    case = make_case(received_on=D(2026, 12, 4))
    Case.objects.filter(pk=case.pk).update(due_on=D(2027, 1, 1))  # as counted before 元旦 was known
    out = StringIO()
    call_command("recompute_deadlines", stdout=out)
    case.refresh_from_db()
    assert case.due_on == D(2027, 1, 4) and f"{case.number}: 2027-01-01 → 2027-01-04" in out.getvalue()
    assert case.events.filter(action="期限重算").exists()


def test_recompute_deadlines_names_a_paused_cases_waiting_date_that_moved():
    """A paused case has no due date: the command printed '— → —' for it, as the event did
    before (services.recompute_open_cases now says which date moved, for both)."""
    from io import StringIO

    from django.core.management import call_command

    case = make_case(received_on=D(2026, 11, 24))
    case = services.case_request_correction(case=case, notice_on=D(2026, 11, 25), reason="请补正")
    counted = case.waiting_until
    earlier = counted - dt.timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(waiting_until=earlier)  # as counted by older rules
    out = StringIO()
    call_command("recompute_deadlines", stdout=out)
    assert f"{case.number}: 申请人或第三方期限 {earlier} → {counted}" in out.getvalue()
    assert "— → —" not in out.getvalue()


def test_bad_compute_input_fails_cleanly():
    with pytest.raises(ValueError):
        clock.compute(start=D(2026, 1, 1), limit=5000, pauses=[], calendar=Calendar())


def test_correction_notice_must_go_out_within_seven_working_days():
    # Received Fri 18 Sep: 7 working days are Sun 20 (调休), 21, 22, 23, 24, 28, 29 Sep.
    case = make_case(received_on=D(2026, 9, 18))
    with pytest.raises(ValidationError) as error:
        services.case_request_correction(case=case, notice_on=D(2026, 9, 30), reason="请补正")  # the 8th
    assert "7个工作日" in str(error.value)
    case = services.case_request_correction(case=case, notice_on=D(2026, 9, 29), reason="请补正")  # the 7th
    assert case.state == Case.State.CORRECTION


@pytest.mark.parametrize("n, fee", [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300)])
def test_per_item_tariff(n, fee):
    assert clock.per_item_fee(n) == fee
