"""A year's holiday notice entered at once: one line per day or run of days, as the State
Council's notice lists them, instead of one admin form per day (some thirty a year).

    2027-02-06 至 2027-02-13 放假 春节
    2027年2月14日 上班 春节调休

Every line is checked (the form, then each day as the admin form checks it) before anything is
saved; a line that cannot be read or a day that cannot be saved is named by its line number,
and nothing is saved until all are right."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal

from .dates import WEEKDAY_CHARACTERS, chinese_weekday
from .models import WorkingDayOverride

# Sent once a whole notice is saved, with its days (`days`): the apps that count working days
# recompute once, for the notice, instead of once per day as the admin form's saves do.
notice_entered = Signal()

MAX_LINES = 200
MAX_RUN_DAYS = 31  # the longest holiday run a notice gives is 8 or 9 days
YEAR_SEPARATOR = r"\s*(?:-|/|\.|年)\s*"
MONTH_SEPARATOR = r"\s*(?:-|/|\.|月)\s*"
# A weekday as notices write it after a date, "（星期六）" or "(周日)": checked against the date.
WEEKDAY = r"(?:\s*[（(]\s*(?:星期|周|礼拜)?([一二三四五六日天])\s*[）)])?"
START = rf"(\d{{4}}){YEAR_SEPARATOR}(\d{{1,2}}){MONTH_SEPARATOR}(\d{{1,2}})\s*日?{WEEKDAY}"
# The end of a run as notices write it, "至2月13日" or "至13日": its year and month may be left
# out, taken from the start (read as one day when they were, a week's holiday was lost).
END = rf"(?:(\d{{4}}){YEAR_SEPARATOR})?(?:(\d{{1,2}}){MONTH_SEPARATOR})?(\d{{1,2}})\s*日?{WEEKDAY}"
LINE = re.compile(rf"^{START}(?:\s*(?:至|到|~|～|—|–|-{{1,2}})\s*{END})?\s*(放假|休息|上班|补班)\s*(.*)$")
EXAMPLE = "如“2027-02-06 至 2027-02-13 放假 春节”或“2027-02-14 上班 春节调休”"


def _date(year, month, day):
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _end(first, year, month, day):
    """The run's last day, its year and month from `first` where the line leaves them out
    (a run over New Year, "12月31日至1月2日", ends in the next year)."""
    if day is None:
        return first
    last = _date(year or first.year, month or first.month, day)
    if last is not None and last < first and year is None and month is not None:
        last = _date(first.year + 1, month, day)
    return last


def _weekday_error(day, given):
    """The weekday a line gives that is not the date's own, named (None when it is or none is
    given): a date typed one day off is caught where the notice's weekday was copied too."""
    if given is None or WEEKDAY_CHARACTERS.index("日" if given == "天" else given) == day.weekday():
        return None
    return f"{day:%Y-%m-%d}是{chinese_weekday(day)}，不是星期{given}，请核对日期。"


def describe(days) -> str:
    """The saved days as runs, for staff to check against the notice: "2027-02-06至2027-02-12
    放假（7天）、2027-02-13上班"."""
    runs = []
    for day in sorted(days, key=lambda d: d.date):
        if runs and runs[-1][2] == day.is_workday and (day.date - runs[-1][1]).days == 1:
            runs[-1][1] = day.date
        else:
            runs.append([day.date, day.date, day.is_workday])
    parts = []
    for first, last, workday in runs:
        kind = "上班" if workday else "放假"
        if first == last:
            parts.append(f"{first:%Y-%m-%d}{kind}")
        else:
            parts.append(f"{first:%Y-%m-%d}至{last:%Y-%m-%d}{kind}（{(last - first).days + 1}天）")
    return "、".join(parts)


def read_notice(text: str) -> tuple[list[WorkingDayOverride], list[str]]:
    """(the days to save, unsaved; the errors, each naming its line). Days are checked as the
    admin form checks one (WorkingDayOverride.full_clean), a day given twice is refused."""
    days, errors, seen = [], [], {}
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        return [], [f"请填写放假安排，每行一天或一段日期，{EXAMPLE}。"]
    if len(lines) > MAX_LINES:
        return [], [f"一次最多录入{MAX_LINES}行，这里有{len(lines)}行。"]
    for number, line in lines:
        match = LINE.match(line)
        if not match:
            errors.append(
                f"第{number}行“{line[:40]}”无法识别：请写日期（或“日期 至 日期”）、放假或上班、说明，{EXAMPLE}。"
            )
            continue
        first = _date(*match.group(1, 2, 3))
        last = _end(first, *match.group(5, 6, 7)) if first else None
        if first is None or last is None:
            errors.append(f"第{number}行：日期不存在，请核对。")
            continue
        if not 0 <= (last - first).days < MAX_RUN_DAYS:  # no date arithmetic near year 9999
            errors.append(f"第{number}行：结束日期应在开始日期之后{MAX_RUN_DAYS}天以内。")
            continue
        wrong = [e for e in (_weekday_error(first, match.group(4)), _weekday_error(last, match.group(8))) if e]
        if wrong:
            errors.append(f"第{number}行：{''.join(wrong)}")
            continue
        kind, note = match.group(9), match.group(10).strip()
        note = note or kind
        if kind not in note:
            note = f"{note}（{kind}）"  # the note says what the box says, as the checks expect
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            override = WorkingDayOverride(date=day, is_workday=kind in ("上班", "补班"), note=note[:200])
            try:
                if day in seen:
                    raise ValidationError({"date": f"与第{seen[day]}行重复。"})
                override.full_clean()
            except ValidationError as error:
                # A day already entered: the model's own message names that entry.
                messages = [m for field in error.message_dict.values() for m in field]
                errors.append(f"第{number}行（{day:%Y-%m-%d}）：{''.join(messages)}")
            else:
                days.append(override)
            seen.setdefault(day, number)
    return days, errors


def enter_notice(text: str) -> list[WorkingDayOverride]:
    """Save every day of the notice, or none (ValidationError listing each line's problem). Each
    saved day recomputes the open cases it affects, as a day saved in the admin form does."""
    days, errors = read_notice(text)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for day in days:
            day.entered_with_notice = True  # one recomputation for them all (notice_entered)
            day.save()
        notice_entered.send(sender=WorkingDayOverride, days=days)
    return days
