"""The 条例's clock: 20 working days from the receipt date (Art. 33), restarted by a 补正
(Art. 30), paused for 征求意见 and for fees, lengthened by an extension of ≤ 20 days.

`compute` is pure (give it the calendar), so the due date, its explanation and the
recomputation after a calendar change all come from the same walk over the days."""

import datetime as dt
from dataclasses import dataclass, field

from core.working_days import Calendar

BASE_DAYS = 20  # 条例第33条
MAX_EXTENSION_DAYS = 20
CORRECTION_NOTICE_DAYS = 7  # 条例第30条：一次性告知补正
THIRD_PARTY_DAYS = 15  # 条例第32条
FEE_PAYMENT_DAYS = 20  # 国办函〔2020〕109号：收到收费通知次日起20个工作日内缴纳
_MAX_WALK = 3660  # days; a broken input must not loop forever


@dataclass
class Day:
    date: dt.date
    status: str  # "counted" / "skipped" / "paused"
    why: str
    number: int | None = None  # the n-th working day counted


@dataclass
class Deadline:
    start: dt.date
    limit: int
    due: dt.date | None  # None while an open pause stops the clock
    exact: bool
    days: list[Day] = field(default_factory=list)
    # What the clock runs from when it is not the application (a 重新答复's order), for the
    # "期限计算" pages; "" for the 条例's clock from receipt (or 补正).
    basis: str = ""

    def inputs(self, pauses):
        inputs = {
            "clock_start": self.start.isoformat(),
            "limit": self.limit,
            "pauses": [[p[0].isoformat(), p[1].isoformat() if p[1] else None, p[2]] for p in pauses],
            "exact": self.exact,
        }
        return {**inputs, "basis": self.basis} if self.basis else inputs


def compute(*, start: dt.date, limit: int, pauses, calendar: Calendar, until: dt.date | None = None) -> Deadline:
    """Walk from the day after `start`, counting working days outside pauses, until `limit`
    are counted. `pauses` are (started_on, ended_on or None, label): the days after
    started_on up to and including ended_on do not count. With an open pause the walk stops
    at `until` (the page shows the days so far) and the due date is None."""
    days, counted, exact, day = [], 0, True, start
    for _ in range(_MAX_WALK):
        if counted >= limit:
            return Deadline(start, limit, day, exact, days)
        day += dt.timedelta(days=1)
        pause = next((p for p in pauses if p[0] < day and (p[1] is None or day <= p[1])), None)
        if pause is not None:
            if pause[1] is None and (until is None or day > until):
                return Deadline(start, limit, None, exact, days)
            days.append(Day(day, "paused", f"暂停计时：{pause[2]}"))
            continue
        workday, known, why = calendar.describe(day)
        exact = exact and known
        if workday:
            counted += 1
            days.append(Day(day, "counted", why, counted))
        else:
            days.append(Day(day, "skipped", why))
    raise ValueError("期限计算超出范围，请核对日期。")


def unscheduled_years(*, start: dt.date, end: dt.date, calendar: Calendar) -> list[int]:
    """The years of the days after `start` up to `end` whose holidays the calendar does not know
    yet (the State Council's notice not out): a deadline counted over them is provisional."""
    years, day = set(), start
    while day < end:
        day += dt.timedelta(days=1)
        if day.year not in years and not calendar.is_workday(day)[1]:
            years.add(day.year)
    return sorted(years)


def counted_days(*, start: dt.date, end: dt.date, pauses, calendar: Calendar) -> int:
    """The working days after `start` up to and including `end` that the clock counts (none
    inside a pause): how long an answer took, by the rule its deadline was worked out with."""
    counted, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if any(p[0] < day and (p[1] is None or day <= p[1]) for p in pauses):
            continue
        counted += calendar.describe(day)[0]
    return counted


def case_pauses(case, *, name_party=True):
    """(started_on, ended_on, label) of the pauses that matter since the clock start. The label
    names whom the agency asked only for staff (name_party): not on the applicant's page."""
    if case.pk is None:
        return []  # a case being registered has no pauses yet
    return [
        (p.started_on, p.ended_on, p.get_kind_display() + (f"（{p.party}）" if p.party and name_party else ""))
        for p in case.pauses.all()
        if p.ended_on is None or p.ended_on > case.clock_start
    ]


def reanswer_deadline(reanswer, *, calendar: Calendar, until=None) -> Deadline:
    """A 重新答复's clock: the order's service on the agency counts as receiving the application,
    20 working days (Art. 33) from it, unless the order sets its own time limit (staff enter it)."""
    order = reanswer.get_basis_display() + (f"（{reanswer.order_reference}）" if reanswer.order_reference else "")
    if reanswer.ordered_due_on is not None:
        basis = f"{order}规定的答复期限"
        return Deadline(reanswer.served_on, 0, reanswer.ordered_due_on, True, [], basis)
    deadline = compute(start=reanswer.served_on, limit=BASE_DAYS, pauses=[], calendar=calendar, until=until)
    deadline.basis = f"{order}送达本机关之日视为收到申请之日"
    return deadline


def current_reanswer(case):
    """The case's latest 重新答复 round (None when it was never reopened): no query unless the
    case was reopened at least once (its state, or a reply of a round, says so)."""
    if case.pk is None or case.state not in ("reanswering", "answered", "archived"):
        return None
    return case.reanswers.order_by("-opened_at", "-id").first()


def case_deadline(case, *, calendar: Calendar, until=None, name_party=True) -> Deadline:
    reanswer = current_reanswer(case)
    if reanswer is not None:
        return reanswer_deadline(reanswer, calendar=calendar, until=until)
    return compute(
        start=case.clock_start,
        limit=BASE_DAYS + case.extension_days,
        pauses=case_pauses(case, name_party=name_party),
        calendar=calendar,
        until=until,
    )


def per_item_fee(n: int) -> int:
    """国办函〔2020〕109号 按件计收 for the applicant's n-th request in a calendar month:
    1–10 free; 11–30 100元; then each further band of 10 costs 100元 more (31–40 200元…)."""
    if n <= 10:
        return 0
    if n <= 30:
        return 100
    return 100 * (2 + (n - 31) // 10)
