"""Deadline arithmetic for 建议提案办理 (see cn-standards.md §3.2).

Handling: 3 months from 交办, extendable to 6 with the 交办机构's consent; a reply the
member is not satisfied with is redone within 1 month. Months are calendar months,
clamped to the end of a shorter month (11-30 + 3 months → 02-28 or 02-29)."""

import calendar
import datetime as dt

from django.utils import timezone

HANDLING_MONTHS = 3
EXTENDED_HANDLING_MONTHS = 6
REHANDLING_MONTHS = 1


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def handling_due(assigned_on: dt.date | None, *, extended: bool = False) -> dt.date | None:
    if assigned_on is None:
        return None
    return add_months(assigned_on, EXTENDED_HANDLING_MONTHS if extended else HANDLING_MONTHS)


def rehandling_due(started_on: dt.date) -> dt.date:
    return add_months(started_on, REHANDLING_MONTHS)


def deadline_outcome(
    due_on: dt.date, *, replied_on: dt.date | None, answered: bool, today: dt.date | None = None
) -> str:
    """按期答复 / 逾期N天答复 / 已逾期N天 / 尚未到期, from the reply date the reader may see."""
    if replied_on:
        late = (replied_on - due_on).days
        return "按期答复" if late <= 0 else f"逾期{late}天答复"
    if answered:
        return "已答复（答复尚未公开）"
    today = today or timezone.localdate()
    if today > due_on:
        return f"已逾期{(today - due_on).days}天，尚未答复"
    return f"尚未到期（剩余{(due_on - today).days}天）"
