"""Working days with 调休, from chinesecalendar.

chinesecalendar only knows the years whose State Council holiday notice has been
published; outside them we fall back to Monday–Friday and say so, rather than fail."""

import datetime as dt

import chinese_calendar


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """Return (is_workday, exact) — exact is False when the year has no official data."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def working_days_between(start: dt.date, end: dt.date) -> tuple[int, bool]:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, exact = 0, True
    day = start + dt.timedelta(days=1)
    while day <= end:
        workday, known = is_workday(day)
        exact = exact and known
        count += workday
        day += dt.timedelta(days=1)
    return count, exact


def add_working_days(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The date `days` working days after `start`."""
    day, left, exact = start, days, True
    while left > 0:
        day += dt.timedelta(days=1)
        workday, known = is_workday(day)
        exact = exact and known
        left -= workday
    return day, exact
