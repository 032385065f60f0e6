"""The deadline clock against a reference written here from the rules as the project states
them (ADR 0010, clock.py), using chinesecalendar directly:

- 20 working days (+ an extension of 1–20) counted from the day *after* the clock start;
  the clock start is the receipt date, or the day a 补正 arrives (条例第30条);
- a pause (征求意见, 缴费) takes out the days after its start up to and including its end;
  overlapping pauses take out their union;
- a working day is the override table's answer, else chinesecalendar's; a year chinesecalendar
  does not know is Monday–Friday less 元旦, 劳动节 (1–2 May) and 国庆 (1–3 Oct), and inexact.

The cases are driven through the services (as staff would), from 2019 to 2027, with random
补正, several 征求意见 (backdated ones overlap), a fee wait and an extension in any order."""

import datetime as dt
import itertools

import chinese_calendar
import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import WorkingDayOverride
from core.working_days import Calendar
from inforequests import clock, services
from inforequests.models import Case, Pause

from .factories import AgencyFactory, make_case

pytestmark = pytest.mark.django_db
D = dt.date
ONE = dt.timedelta(days=1)

# Made-up local decisions, and the 2027 notice as staff would enter it before chinesecalendar has it.
OVERRIDES = {
    D(2026, 10, 14): False,
    D(2025, 2, 8): False,  # a 调休 Saturday made a rest day
    D(2019, 12, 28): True,  # a Saturday made a working day
    **{D(2027, 2, 5) + k * ONE: False for k in range(7)},  # "2027年春节"
    D(2027, 2, 14): True,
}
NOW = dt.datetime(2027, 12, 31, 4, 0, tzinfo=dt.UTC)  # noon in Beijing: every step is in the past


def ref_workday(day):
    """(is working day, exact), from the rules as written."""
    if day in OVERRIDES:
        return OVERRIDES[day], True
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        fixed = (day.month, day.day) in {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
        return day.weekday() < 5 and not fixed, False


def ref_excluded(pauses):
    return {s + k * ONE for s, e, *_ in pauses for k in range(1, (e - s).days + 1)}


def ref_due(start, limit, pauses):
    """(due, exact): the limit-th day after `start` that is a working day outside every pause."""
    excluded = ref_excluded(pauses)
    days = (start + k * ONE for k in itertools.count(1))
    counted = [d for d in itertools.islice((d for d in days if d not in excluded), 400)]
    counted = [d for d in counted if ref_workday(d)[0]][:limit]
    last = counted[-1]
    exact = all(
        ref_workday(start + k * ONE)[1] for k in range(1, (last - start).days + 1) if start + k * ONE not in excluded
    )
    return last, exact


def ref_working_days(start, end, pauses=()):
    excluded = ref_excluded(pauses)
    return sum(
        1 for k in range(1, (end - start).days + 1) if (d := start + k * ONE) not in excluded and ref_workday(d)[0]
    )


def ref_add(start, n):
    day = start
    while n:
        day += ONE
        n -= ref_workday(day)[0]
    return day


def _overrides():
    for day, workday in OVERRIDES.items():
        WorkingDayOverride.objects.get_or_create(date=day, defaults={"is_workday": workday, "note": "参照测试"})


# --- the pure walk, pauses of any shape (overlapping, nested, starting/ending on holidays) ---

pause_st = st.tuples(st.integers(0, 60), st.integers(0, 40))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(D(2019, 1, 1), D(2026, 12, 31)),
    extension=st.integers(0, 20),
    raw_pauses=st.lists(pause_st, max_size=4),
)
def test_walk_matches_the_reference(start, extension, raw_pauses):
    calendar = Calendar({d: (w, "参照测试") for d, w in OVERRIDES.items()})
    pauses = [(start + a * ONE, start + (a + b) * ONE, "征求意见") for a, b in raw_pauses]
    deadline = clock.compute(start=start, limit=20 + extension, pauses=pauses, calendar=calendar)
    assert (deadline.due, deadline.exact) == ref_due(start, 20 + extension, pauses)
    counted = [day for day in deadline.days if day.status == "counted"]
    assert [day.number for day in counted] == list(range(1, 21 + extension))
    assert counted[-1].date == deadline.due
    excluded = ref_excluded(pauses)
    assert {day.date for day in deadline.days if day.status == "paused"} == {d for d in excluded if d <= deadline.due}
    assert clock.counted_days(start=start, end=deadline.due, pauses=pauses, calendar=calendar) == 20 + extension


# --- through the services, as staff would do it ---

step_st = st.one_of(
    st.tuples(st.just("consult"), st.sampled_from([Pause.Kind.THIRD_PARTY, Pause.Kind.AGENCY]), pause_st),
    st.tuples(st.just("fee"), st.just(None), pause_st),
    st.tuples(st.just("extend"), st.integers(1, 20), st.floats(0, 1)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    received=st.dates(D(2019, 5, 15), D(2027, 3, 31)),
    correction=st.none() | st.tuples(st.integers(0, 7), st.integers(0, 40)),
    steps=st.lists(step_st, max_size=4),
    reply_after=st.integers(0, 30),
)
def test_services_keep_the_due_date_the_reference_gives(received, correction, steps, reply_after):
    with time_machine.travel(NOW, tick=False):
        _overrides()
        agency = AgencyFactory().organization
        case = make_case(agency=agency, received_on=received, items=[f"事项{i}" for i in range(11)])
        start, pauses, extension = received, [], 0
        steps_on = [received]  # every step's date: the reply comes on or after the last
        assert (case.due_on, case.due_exact) == ref_due(start, 20, [])
        if correction:
            notice_on = ref_add(received, correction[0]) if correction[0] else received
            case = services.case_request_correction(case=case, notice_on=notice_on, reason="请补正")
            assert case.due_on is None and case.waiting_until == ref_add(notice_on, 15)
            start = notice_on + correction[1] * ONE
            case = services.case_receive_correction(case=case, received_on=start)
            steps_on += [notice_on, start]
            assert case.clock_start == start
        fee_used = False
        for kind, arg, spec in steps:
            if kind == "extend":
                if extension:
                    continue
                on = received + int(spec * (case.due_on - received).days) * ONE
                case = services.case_extend(case=case, days=arg, approver="王主任", reason="复杂", on=on)
                extension = arg
                steps_on.append(on)
            else:
                if kind == "fee" and fee_used:
                    continue
                began = start + spec[0] * ONE
                ended = began + spec[1] * ONE
                if kind == "fee":
                    fee_used = True
                    case = services.case_request_fee(case=case, notice_on=began)
                    assert case.waiting_until == ref_add(began, 20)
                    assert (case.due_on is None) == (ref_due(start, 20 + extension, pauses)[0] > began)
                    case = services.case_record_payment(case=case, paid_on=ended)
                else:
                    case = services.case_start_consultation(case=case, kind=arg, party="某企业", started_on=began)
                    if arg == Pause.Kind.THIRD_PARTY:
                        assert case.waiting_until == ref_add(began, 15)
                    # An open pause stops the clock, unless it began after the due date.
                    assert (case.due_on is None) == (ref_due(start, 20 + extension, pauses)[0] > began)
                    case = services.case_end_consultation(case=case, ended_on=ended)
                pauses.append((began, ended))
                steps_on += [began, ended]
            due = ref_due(start, 20 + extension, pauses)
            assert (case.due_on, case.due_exact) == due, (kind, start, pauses, extension)
            assert case.due_inputs["clock_start"] == start.isoformat()
        due_on = case.due_on
        replied_on = max([*steps_on, start]) + reply_after * ONE
        case = services.case_reply(
            case=case, outcome="granted", replied_on=replied_on, reply_text="予以公开", third_party_reason="依法公开"
        )
        assert case.due_on == due_on
        assert case.answer_working_days == ref_working_days(start, replied_on, pauses)
        assert case.answered_on_time == (replied_on <= due_on)
        assert Case.objects.get(pk=case.pk).due_on == due_on
