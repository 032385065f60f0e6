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

from .models import WorkingDayOverride

MAX_LINES = 200
MAX_RUN_DAYS = 31  # the longest holiday run a notice gives is 8 or 9 days
DATE = r"(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?"
LINE = re.compile(
    rf"^{DATE}(?:\s*(?:至|到|~|～|—|–|--)\s*{DATE})?\s*[（(]?[^）)\s]*[）)]?\s+(放假|休息|上班|补班)\s*(.*)$"
)
EXAMPLE = "如“2027-02-06 至 2027-02-13 放假 春节”或“2027-02-14 上班 春节调休”"


def _date(year, month, day):
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


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
        last = _date(*match.group(4, 5, 6)) if match.group(4) else first
        if first is None or last is None:
            errors.append(f"第{number}行：日期不存在，请核对。")
            continue
        if not 0 <= (last - first).days < MAX_RUN_DAYS:  # no date arithmetic near year 9999
            errors.append(f"第{number}行：结束日期应在开始日期之后{MAX_RUN_DAYS}天以内。")
            continue
        kind, note = match.group(7), match.group(8).strip()
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
            day.save()
    return days
