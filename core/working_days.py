"""Working days with 调休: the staff-editable override table (core.WorkingDayOverride) first,
then chinesecalendar.

chinesecalendar only knows the years whose State Council holiday notice has been
published; outside them (and with no override) we fall back to Monday–Friday less the
fixed-date holidays, and say so, rather than fail. Each public call takes the override table (a few dozen rows a year) as
core.stamped keeps it: read once, and again after any override is saved or deleted, so a change
by staff applies to the next computation in every process."""

import datetime as dt
import functools

import chinese_calendar

from .stamped import StampedLookups

# The override table, until any override is saved or deleted (core.apps connects the signals).
# The staff queue read it on every request to key its kept table (0.25 ms of 2.5 ms at 1M).
kept_overrides = StampedLookups("core:working-day-overrides")


# 《全国年节及纪念日放假办法》 (2024): the statutory holidays with a fixed solar date — 元旦,
# 劳动节 (2 days), 国庆节 (3 days). A year the State Council has not yet scheduled still has
# them; the lunar ones (春节, 端午, 中秋) and 清明 and every 调休 await its notice.
FIXED_DATE_HOLIDAYS = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}


# Where each holiday of the State Council's notice falls (2008–2026 with a few days' margin):
# the lunar ones move, and 劳动节 and 国庆节 run days past their fixed dates. A year marked as
# entered in full (core.WorkingDayYear) has at least one rest day entered in each window, so a
# forgotten 春节 cannot make a year's deadlines exact while counting it as working days.
HOLIDAY_WINDOWS = [
    ("春节", (1, 20), (2, 28)),
    ("清明节", (4, 2), (4, 7)),
    ("劳动节", (4, 28), (5, 6)),
    ("端午节", (5, 27), (6, 28)),
    ("国庆节", (9, 28), (10, 8)),
]
# 中秋 alone, apart from 国庆's own 1–7 October: before them (9/7–9/30) or the eighth day a
# 中秋 joined to 国庆 adds (2017, 2020, 2025). A 中秋 that falls inside 1–7 October (2009)
# is then counted by its eighth day too.
MID_AUTUMN_DAYS = [((9, 7), (9, 30)), ((10, 8), (10, 8))]


def holidays_not_entered(year: int, rest_days) -> list[str]:
    """The holidays of `year` with no rest day among `rest_days` in their window."""

    def entered(spans):
        return any(dt.date(year, *first) <= day <= dt.date(year, *last) for day in rest_days for first, last in spans)

    missing = [name for name, first, last in HOLIDAY_WINDOWS if not entered([(first, last)])]
    # 元旦 on a weekend is made up on a weekday (放假办法 Art. 6; the Monday, 2005–2023): that
    # day is a working day unless entered.
    if dt.date(year, 1, 1).weekday() >= 5 and not any(
        dt.date(year, 1, 2) <= day <= dt.date(year, 1, 4) and day.weekday() < 5 for day in rest_days
    ):
        missing.insert(0, "元旦补休")
    if not entered(MID_AUTUMN_DAYS):
        missing.insert(len(missing) - ("国庆节" in missing), "中秋节")
    return missing


def year_is_known(year: int) -> bool:
    """Whether chinesecalendar has the State Council's notice for `year`."""
    return _official_workday(dt.date(year, 7, 1)) is not None


class Calendar:
    """The calendar as of one read of the override table: {date: (is_workday, note)}."""

    def __init__(self, overrides=None, complete_years=()):
        self.overrides = overrides or {}
        # Years whose whole holiday notice is among the overrides (core.WorkingDayYear).
        self.complete_years = frozenset(complete_years)

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        if day in self.overrides:
            return self.overrides[day][0], True
        official = _official_workday(day)
        if official is None:
            plain = day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS
            return plain, day.year in self.complete_years
        return official, True

    def describe(self, day: dt.date) -> tuple[bool, bool, str]:
        """(is_workday, exact, why) — why in words, for the "how was this computed" pages."""
        if day in self.overrides:
            workday, note = self.overrides[day]
            return workday, True, f"工作日调整：{note}"
        workday, exact = self.is_workday(day)
        if exact and _official_workday(day) is None:  # a year staff entered in full
            if (day.month, day.day) in FIXED_DATE_HOLIDAYS:
                return workday, True, f"法定节假日（{FIXED_DATE_HOLIDAYS[day.month, day.day]}）"
            return workday, True, "工作日（全年放假安排已录入）" if workday else "周末（全年放假安排已录入）"
        if not exact:
            if (day.month, day.day) in FIXED_DATE_HOLIDAYS:
                why = f"法定节假日（{FIXED_DATE_HOLIDAYS[day.month, day.day]}；该年度放假安排尚未公布）"
            elif workday:
                why = "周一至周五（该年度假日安排未知，暂按周一至周五、除固定日期的法定节假日计）"
            else:
                why = "周末（该年度假日安排未知）"
            return workday, False, why
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        weekend = day.weekday() >= 5
        if workday:
            return True, True, "调休上班" if weekend else "工作日"
        if name:
            return False, True, f"法定节假日（{_HOLIDAY_NAMES.get(name, name)}）"
        return False, True, "周末" if weekend else "休息日"


@functools.lru_cache(maxsize=16_384)
def _official_workday(day: dt.date) -> bool | None:
    """chinesecalendar's answer, or None for a year it does not know. Kept per process: the
    package's tables are fixed for its version, and one lookup costs about 90 µs, which a
    staff queue walking a year of due dates paid some 365 times a request."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}


def load_calendar() -> Calendar:
    from .models import WorkingDayOverride, WorkingDayYear

    rows = kept_overrides.get("all", lambda: list(WorkingDayOverride.objects.values_list("date", "is_workday", "note")))
    years = kept_overrides.get("years", lambda: list(WorkingDayYear.objects.values_list("year", flat=True)))
    return Calendar({day: (workday, note) for day, workday, note in rows}, years)


def is_workday(day: dt.date, *, calendar: Calendar | None = None) -> tuple[bool, bool]:
    """Return (is_workday, exact) — exact is False when the year has no official data."""
    return (calendar or load_calendar()).is_workday(day)


def working_days_between(start: dt.date, end: dt.date, *, calendar: Calendar | None = None) -> tuple[int, bool]:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    calendar = calendar or load_calendar()
    count, exact = 0, True
    day = start + dt.timedelta(days=1)
    while day <= end:
        workday, known = calendar.is_workday(day)
        exact = exact and known
        count += workday
        day += dt.timedelta(days=1)
    return count, exact


def add_working_days(start: dt.date, days: int, *, calendar: Calendar | None = None) -> tuple[dt.date, bool]:
    """The date `days` working days after `start`."""
    calendar = calendar or load_calendar()
    day, left, exact = start, days, True
    while left > 0:
        day += dt.timedelta(days=1)
        workday, known = calendar.is_workday(day)
        exact = exact and known
        left -= workday
    return day, exact
