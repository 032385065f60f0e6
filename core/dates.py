"""Dates as the site means them: local days (Asia/Shanghai) and the years a record can have."""

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone

from .text import fold_full_width

# The years a record, session or filter can name: from the founding of the PRC to a bound
# that keeps every date arithmetic below far from datetime's limits.
FIRST_YEAR, LAST_YEAR = 1949, 2100
YEAR_WIDGET_ATTRS = {"min": FIRST_YEAR, "max": LAST_YEAR, "inputmode": "numeric"}


# Dashes typed or pasted between a date's parts (en and em dashes, a minus sign) read as a hyphen.
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
# A date's year, month and day as people and old systems write them, once folded (fold_date_text):
# 2026-12-07, 2026/12/07, 2026.12.07, 2026年12月7日. The import reads these (imports.rows, which
# adds a time of day) and 20261207, and so do the form fields (typed_date): what a file may hold,
# a box takes.
DATE_PATTERN = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_TYPED_DATE = re.compile(DATE_PATTERN)


def fold_date_text(text: str) -> str:
    """A date as typed with a Chinese input method in full-width mode (２０２６－１２－０７,
    ２０２６年１２月７日) in ASCII digits and separators, for a date parser to read."""
    return fold_full_width(text).translate(_DASHES)


def typed_date(text: str) -> str:
    """A typed date in a form the site's date fields read: folded (fold_date_text), spaces
    dropped, and any of DATE_PATTERN's forms as 2026-12-7 (Django's zh-hans input format for
    年月日 uses directives strptime does not know, so it never matched, and it has none for
    2026.12.07)."""
    text = re.sub(r"\s+", "", fold_date_text(text))
    if re.fullmatch(r"\d{8}", text):  # 20261207, as the import reads it too
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if match := _TYPED_DATE.fullmatch(text):
        return "-".join(match.groups())
    return text


def typed_time(text: str) -> str:
    """A typed time of day (０９：３０, as an input method in full-width mode types it) in ASCII
    digits and colons, spaces dropped, for the site's time fields to read."""
    return re.sub(r"\s+", "", fold_full_width(text))


def local_day_range(field, first=None, last=None) -> Q:
    """`field` (a datetime) on the local days `first` to `last`, both included; either may be
    None. A bound outside FIRST_YEAR..LAST_YEAR excludes nothing (9999-12-31 = no upper
    bound), so no date a reader types can overflow the arithmetic or the database."""
    tz = timezone.get_current_timezone()
    query = Q()
    if first and first.year >= FIRST_YEAR:
        query &= Q(**{f"{field}__gte": dt.datetime.combine(first, dt.time.min, tzinfo=tz)})
    if last and last.year <= LAST_YEAR:
        query &= Q(**{f"{field}__lt": dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)})
    return query


def local_year_range(field, year) -> Q:
    """`field` in the local calendar year `year`; a year outside the site's range matches nothing."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return Q(pk__in=[])
    return local_day_range(field, dt.date(year, 1, 1), dt.date(year, 12, 31))


def local_day(moment: dt.datetime) -> dt.date:
    """The site's calendar day of `moment`. Near the last date there is (a mistyped 9999-12-31),
    converting to local time overflows: that day as stored is then close enough."""
    if timezone.is_naive(moment):
        return moment.date()
    try:
        return timezone.localtime(moment).date()
    except OverflowError:
        return moment.date()


def after_today(day: dt.date, label: str) -> str | None:
    """The message for a date of something that has already happened (a notice sent, an answer
    given) that lies after today in the site's time; None when it does not. A mistyped year would
    otherwise move a legal deadline by months."""
    if day > timezone.localdate():
        return f"{label}不能晚于今天。"
    return None


def chinese_date(day: dt.date) -> str:
    """A date as notices and messages write it: 2026年12月6日, never zero-padded."""
    return f"{day.year}年{day.month}月{day.day}日"


WEEKDAY_CHARACTERS = "一二三四五六日"  # Monday first, as date.weekday() counts


def chinese_weekday(day: dt.date) -> str:
    """A date's weekday as notices write it: 星期六."""
    return f"星期{WEEKDAY_CHARACTERS[day.weekday()]}"


def chinese_moment(moment: dt.datetime) -> str:
    """An aware moment as messages write it, in the site's time: 2026年12月6日 09:07."""
    local = timezone.localtime(moment)
    return f"{chinese_date(local.date())} {local:%H:%M}"
