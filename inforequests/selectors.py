"""Reads for 依申请公开. Staff scoping is enforced here (and again in services and admin)."""

import datetime as dt
import hmac
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.utils import timezone

from core.dates import chinese_date
from core.http import digits_value
from core.pagecache import cached_value
from core.stamped import StampedLookups
from core.working_days import add_working_days, load_calendar, working_days_between
from disclosures.models import Organization
from disclosures.selectors import manages_all_agencies

from . import clock, notices
from .crypto import digest
from .identity import fold_width, normalize_id, normalize_query_code, phone_digits, phone_without_extension
from .models import Agency, Case, Notice, Outcome, Pause, Reanswer, applicant_key, phone_key

ALARM_LEVELS = ("正常", "预警", "黄牌", "红牌")


def alarm_thresholds():
    """Working days left at or below which a case turns 预警 / 黄牌 / 红牌 (红牌: due today or late)."""
    return {"预警": 5, "黄牌": 2, "红牌": 0, **getattr(settings, "INFOREQUESTS_ALARM_THRESHOLDS", {})}


def can_view_all(user) -> bool:
    """District-wide: every agency's records (disclosures' permission) or every agency's cases."""
    return user.is_active and (manages_all_agencies(user) or user.has_perm("inforequests.view_all_cases"))


def agencies_of(user):
    """The agencies a staff member works for: one membership (disclosures.AgencyMembership)
    serves the catalogue, the 年报 and the cases."""
    return Organization.objects.filter(staff_memberships__user=user)


def agency_ids_of(user) -> list[int]:
    return list(agencies_of(user).order_by("pk").values_list("pk", flat=True))


kept_queue_versions = StampedLookups("inforequests:queue-version")


def queue_version() -> int:
    """Grows whenever any case is saved or deleted: simple-history writes a row each time (the
    newest history id, read from its primary key index). Kept with a shared cache until a history
    row is written or deleted (core.stamped): every queue page asked the database."""
    return kept_queue_versions.get("latest", _latest_case_history_id)


def _latest_case_history_id() -> int:
    # The historical model from the app registry: `Case.history` builds a manager class on
    # every access (simple-history's descriptor), a quarter of a millisecond per queue page.
    history = apps.get_model("inforequests", "HistoricalCase")
    latest = history.objects.order_by("-history_id").values_list("history_id", flat=True).first()
    return latest or 0


def connect_signals():
    # Every save or delete of a case writes a history row (the version itself): its signal alone.
    history = apps.get_model("inforequests", "HistoricalCase")
    post_save.connect(kept_queue_versions.forget_all, sender=history, dispatch_uid="queue-version-save")
    post_delete.connect(kept_queue_versions.forget_all, sender=history, dispatch_uid="queue-version-delete")


def staff_agencies(user):
    """The agencies a staff member may pick: their own, or every accepting one district-wide."""
    return accepting_agencies() if can_view_all(user) else agencies_of(user).order_by("name")


def cases_for(user):
    """The cases a staff member may see: their agencies' unless district-wide."""
    if not (user.is_authenticated and user.is_staff and user.has_perm("inforequests.view_case")):
        return Case.objects.none()
    if can_view_all(user):
        return Case.objects.all()
    return Case.objects.filter(agency__in=agencies_of(user).values("pk"))


def can_handle(*, user, case) -> bool:
    if not (user.is_authenticated and user.is_staff and user.is_active and user.has_perm("inforequests.change_case")):
        return False
    return can_view_all(user) or agencies_of(user).filter(pk=case.agency_id).exists()


def may_publish(user) -> bool:
    """Publishing a redacted request and reply puts text on the public site: the 终审's
    permission, as for a catalogue record (a 录入员 prepares, a reviewer publishes)."""
    return user.has_perm("disclosures.publish_disclosurerecord")


def case_for_staff(*, user, pk) -> Case:
    case = cases_for(user).select_related("agency", "duplicate_of", "possible_duplicate_of").filter(pk=pk).first()
    if case is None:
        raise Http404("申请不存在或不属于您的机关。")  # the same answer either way
    return case


def handler_emails(*, organization):
    return list(
        organization.staff_memberships.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def accepting_agencies():
    return Organization.objects.filter(request_desk__accepts_requests=True).order_by("name")


def days_left(case, *, today=None, calendar=None):
    """Working days from today to the due date (negative when late); None while stopped."""
    if case.due_on is None or not case.is_open:
        return None
    today = today or timezone.localdate()
    calendar = calendar or load_calendar()
    if case.due_on >= today:
        return working_days_between(today, case.due_on, calendar=calendar)[0]
    return -working_days_between(case.due_on, today, calendar=calendar)[0]


def alarm_level(left) -> str:
    if left is None:
        return "正常"
    thresholds = alarm_thresholds()
    for level in ("红牌", "黄牌", "预警"):
        if left <= thresholds[level]:
            return level
    return "正常"


def alarm_cutoffs(*, today=None, calendar=None):
    """{level: the latest due date that is at that level or worse}: alarms filter in the database."""
    today = today or timezone.localdate()
    calendar = calendar or load_calendar()
    return {
        level: add_working_days(today, days, calendar=calendar)[0] if days > 0 else today
        for level, days in alarm_thresholds().items()
    }


def applicant_match(term) -> Q:
    """The cases of the applicant whose whole ID number or phone number is `term`, or whose
    查询码 it is, as staff type what an applicant reads out (full width, spaces, a lower-case x,
    +86). The particulars are encrypted: matched on their keyed digests, as the fee count
    matches an applicant. A condition no case meets when `term` can be none of them (an empty
    Q would meet every case)."""
    found = Q(pk__in=[])
    number = normalize_id(term)
    if len(number) >= 5:
        found |= Q(applicant_key=applicant_key(number))
    if len(phone_digits(term)) >= 7:  # or the phone number, as typed or read out
        found |= Q(phone_key=phone_key(term))
    code = normalize_query_code(term)
    if len(code) == len("XXXX-XXXX-XXXX"):
        found |= Q(query_code_digest=digest(code, "query"))
    return found


def queue(*, user, state="", alarm="", agency="", order="due_on", search="", today=None):
    """The staff queue: open cases first by due date. Filters are validated by the view.
    `search`: the case with that 申请编号, or the applicant's (applicant_match), in any state."""
    # Only the two identifiers the list masks are decrypted.
    cases = (
        cases_for(user)
        .select_related("agency")
        .defer("phone", "address", "email", "contact_person", "due_inputs", "description")
    )
    if search:
        # The number exactly (its unique index; numbers are issued in capitals), so that every
        # alternative is an index lookup.
        term = fold_width(search).strip()
        cases = cases.filter(Q(number__in={term, term.upper()}) | applicant_match(search))
    if state == "open" or not state:
        cases = cases.open()
    elif state != "all":
        cases = cases.filter(state=state)
    if agency:
        cases = cases.filter(agency_id=agency)
    if alarm and alarm != "正常":
        cutoff = alarm_cutoffs(today=today)[alarm]
        cases = cases.filter(due_on__lte=cutoff).open()
    elif alarm == "正常":
        cutoff = alarm_cutoffs(today=today)["预警"]
        cases = cases.filter(Q(due_on__gt=cutoff) | Q(due_on__isnull=True))
    ordering = {
        "due_on": ["due_on", "id"],
        "-due_on": ["-due_on", "-id"],
        "received_on": ["received_on", "id"],
        "-received_on": ["-received_on", "-id"],
        "number": ["number"],
    }[order]
    return cases.order_by(*ordering)


def annotate_alarms(cases, *, today=None, calendar=None):
    """days_left and alarm on each case of a page: one walk over the span of the page's due
    dates (a running count of working days), not one walk per case."""
    today = today or timezone.localdate()
    calendar = calendar or load_calendar()
    dues = [case.due_on for case in cases if case.due_on is not None and case.is_open]
    if dues:
        first, last = min(min(dues), today), max(max(dues), today)
        running, count, day = {}, 0, first
        while day <= last:
            count += calendar.is_workday(day)[0]
            running[day] = count
            day += dt.timedelta(days=1)
    for case in cases:
        # Working days after today up to the due date (negative: after the due date up to today).
        left = running[case.due_on] - running[today] if case.due_on is not None and case.is_open else None
        case.days_left, case.alarm = left, alarm_level(left)
        # Paused (no due date while the clock stops): the other side's date, and whether it passed.
        case.waiting_passed = case.is_open and case.waiting_until is not None and case.waiting_until < today
    return cases


def provisional_note(*, start, end, calendar=None) -> str:
    """Why a due date counted over the days after `start` up to `end` is provisional: the years
    among them whose holidays are not yet published."""
    return notices.provisional_words(
        clock.unscheduled_years(start=start, end=end, calendar=calendar or load_calendar())
    )


# 《互联网网站适老化通用设计规范》2.6.1: a legal submission may be undone within 10 minutes.
SUBMISSION_UNDO_SECONDS = 10 * 60


# The event a case starts with (services.case_register), and the one a calendar change leaves
# on the open cases whose dates it moved (services.recompute_open_cases): nobody's step on it.
REGISTRATION_EVENT, RECOMPUTE_EVENT = "登记", "期限重算"


def submission_undo_until(case, *, now=None):
    """Until when the applicant may take back the online application they just sent (from the
    browser that sent it), or None: only while nobody has acted on it, within
    SUBMISSION_UNDO_SECONDS of its confirmation. Acted on: any step on record after the
    registration, also one that left it 已登记 (a 补正 asked and received, an opinion sought and
    given, a correction of the applicant's particulars, its items split); dates moved by a
    calendar change are no one's step."""
    if case.channel != Case.Channel.ONLINE or case.confirmed_at is None or case.state != Case.State.REGISTERED:
        return None
    until = case.confirmed_at + dt.timedelta(seconds=SUBMISSION_UNDO_SECONDS)
    if (now or timezone.now()) >= until or case.events.exclude(
        action__in=(REGISTRATION_EVENT, RECOMPUTE_EVENT)
    ).exists():
        return None
    return until


def case_provisional_note(case) -> str:
    """The note the case's stored due date carries ("" when it is exact)."""
    if case.due_exact or case.due_on is None:
        return ""
    start = dt.date.fromisoformat(case.due_inputs["clock_start"]) if case.due_inputs else case.clock_start
    return provisional_note(start=start, end=case.due_on)


def due_basis_lines(case) -> list[str]:
    """The case's stored 期限计算依据 in words (the admin showed the stored inputs as JSON);
    the staff case page lists each day counted."""
    inputs = case.due_inputs or {}
    if not inputs:
        return []
    start = dt.date.fromisoformat(inputs["clock_start"])
    lines = []
    if inputs.get("limit"):
        lines.append(f"自{chinese_date(start)}的次日起计算{inputs['limit']}个工作日")
    for started, ended, label in inputs.get("pauses", []):
        until = f"至{chinese_date(dt.date.fromisoformat(ended))}" if ended else "起，尚未结束"
        lines.append(f"{label}：{chinese_date(dt.date.fromisoformat(started))}的次日{until}，不计入期限")
    if inputs.get("basis"):
        lines.append(f"依据：{inputs['basis']}")
    if note := case_provisional_note(case):
        lines.append(note)
    return lines


def deadline_provisional_note(deadline) -> str:
    """The note a deadline just computed (clock.case_deadline) carries ("" when it is exact);
    a paused one's count so far."""
    if deadline.exact:
        return ""
    end = deadline.due or max((day.date for day in deadline.days), default=deadline.start)
    return provisional_note(start=deadline.start, end=end)


def case_with_query_code(query_code) -> Case | None:
    return Case.objects.select_related("agency").filter(query_code_digest=digest(query_code, "query")).first()


def lookup(*, query_code, tail) -> Case | None:
    """The case whose 查询码 and phone/ID tail both match, else None (the caller answers the
    same way whatever was wrong)."""
    case = case_with_query_code(query_code)
    # Bytes: compare_digest refuses str with characters outside ASCII (a phone kept in full width).
    tail = fold_width(tail).upper()[-4:].encode()
    if case is None or len(tail) < 4:
        hmac.compare_digest(b"0000", tail.rjust(4))  # similar work either way
        return None
    # A landline's own last digits, or its extension's (087165123456转8001: 3456 or 8001).
    tails = (case.phone, phone_without_extension(case.phone), case.id_number)
    ok = False
    for value in tails:
        ok |= hmac.compare_digest(fold_width(value)[-4:].upper().encode(), tail)
    return case if ok else None


@dataclass
class AgencyFigures:
    agency: Organization
    total: int
    by_month: list
    by_state: list
    by_outcome: list
    median_days: float | None
    on_time_rate: float | None
    published: list


# A case saved starts a new page-cache generation (PAGE_CACHE_APPS); the figures also move with
# the day (what is overdue, the months counted), which no save marks: kept five minutes at most.
STATISTICS_SECONDS = 300


def _agency_numbers(agency_id, today):
    """Counts only (safe to keep in a shared cache: nothing about any applicant)."""
    cases = Case.objects.filter(agency_id=agency_id)
    # 近12个月: this month and the eleven before it (31 × 11 days back from the 1st reached a
    # twelfth month back, so the page showed thirteen).
    year, month = divmod(today.year * 12 + today.month - 1 - 11, 12)
    since = dt.date(year, month + 1, 1)
    by_month = [
        (f"{r['month']:%Y-%m}", r["n"])
        for r in cases.filter(received_on__gte=since)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    ]
    by_state = [
        (Case.State(r["state"]).label, r["n"]) for r in cases.values("state").annotate(n=Count("id")).order_by("state")
    ]
    by_outcome = [
        (Outcome(r["outcome"]).label, r["n"])
        for r in cases.exclude(outcome="").values("outcome").annotate(n=Count("id")).order_by("-n", "outcome")
    ]
    answered = cases.filter(answer_working_days__isnull=False)
    totals = answered.aggregate(n=Count("id"), on_time=Count("id", filter=Q(answered_on_time=True)))
    median = None
    if totals["n"]:
        # The median from the (agency, answer_working_days) index, without loading every row.
        ordered = answered.order_by("answer_working_days").values_list("answer_working_days", flat=True)
        middle = totals["n"] // 2
        median = ordered[middle] if totals["n"] % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {
        "total": sum(n for _, n in by_state),
        "by_month": by_month,
        "by_state": by_state,
        "by_outcome": by_outcome,
        "median_days": median,
        "on_time_rate": round(100 * totals["on_time"] / totals["n"], 1) if totals["n"] else None,
    }


def agency_statistics(*, agency, today=None) -> AgencyFigures:
    """Anonymous figures only: counts, median working days, on-time rate, and the replies
    published after consent and redaction."""
    today = today or timezone.localdate()
    numbers = cached_value(
        f"inforequests:agency:{agency.pk}:{today:%Y%m}",
        lambda: _agency_numbers(agency.pk, today),
        timeout=STATISTICS_SECONDS,
    )
    published = list(
        Case.objects.published()
        .filter(agency=agency)
        .annotate(reanswer_outcome=Subquery(_answered_reanswers(OuterRef("pk")).values("outcome")[:1]))
        .only("number", "outcome", "published_at")
        .order_by("-published_at", "-pk")[:20]
    )
    for case in published:
        # The outcome in force: a new answer replaces the first one for the reader (not for 年报).
        case.outcome_in_force = Outcome(case.reanswer_outcome or case.outcome).label
    return AgencyFigures(agency=agency, published=published, **numbers)


def agencies_with_counts():
    def compute():
        counts = dict(Case.objects.values_list("agency").annotate(n=Count("id")).order_by())
        agencies = Organization.objects.filter(
            Q(request_desk__accepts_requests=True) | Q(pk__in=list(counts))
        ).order_by("name")
        return [{"pk": org.pk, "name": org.name, "case_count": counts.get(org.pk, 0)} for org in agencies]

    return cached_value("inforequests:agencies", compute, timeout=STATISTICS_SECONDS)


def agency_get(*, pk) -> Organization:
    agency = Organization.objects.filter(pk=pk).first()
    if agency is None or not (
        Agency.objects.filter(organization=agency).exists() or Case.objects.filter(agency=agency).exists()
    ):
        raise Http404("该机关未开通依申请公开")
    return agency


def published_case(*, number) -> Case:
    case = Case.objects.published().select_related("agency").filter(number=number).first()
    if case is None:
        raise Http404("没有这件公开的申请")
    return case


def applicant_month_count(*, key, day) -> int:
    first = day.replace(day=1)
    return Case.objects.filter(applicant_key=key, received_on__gte=first, received_on__lte=day).count()


def agency_exists(pk) -> bool:
    return Agency.objects.filter(organization_id=pk, accepts_requests=True).exists()


# The query parameter that names the agency an application form opens with (an agency's
# 依申请公开 link: /disclosures/apply/?agency=<id>).
AGENCY_PARAMETER = "agency"


def requested_agency(params) -> int | None:
    """The agency `params` (request.GET) asks the form to open with, when the form lists it;
    anything else is ignored: the applicant then chooses."""
    pk = digits_value(params.get(AGENCY_PARAMETER, ""), max_digits=18)
    return pk if pk is not None and agency_exists(pk) else None


def last_step_on(case) -> dt.date:
    """The date of the case's latest step that moved it (receipt, 补正 asked or received, a
    consultation begun or ended, a fee asked or paid, an extension): a closing date that comes
    before it would put the case's steps out of order (and 年报 might count it in a year before
    them)."""
    moved = case.events.exclude(from_state="").aggregate(on=Max("effective_on"))["on"]
    return max(day for day in (case.received_on, moved) if day is not None)


# Events whose reason names whom the agency consulted or what they answered (Art. 32: theirs).
CONSULTATION_EVENTS = ("征求意见", "征求意见结束")


# An applicant's particulars corrected: "field labels：staff's reason", the reason free text
# (it may say what the value should be).
CORRECTION_EVENT = "更正申请人信息"


# The applicant's withdrawal: "其他处理：其他；staff's note" (how it came, who took it).
WITHDRAWAL_EVENT = "申请人撤回"


def correction_fields(reason: str) -> str:
    """A CORRECTION_EVENT's reason without staff's words: the field labels corrected."""
    return reason.split("：", 1)[0]


def events_for_applicant(case):
    """The case's events as the status page shows them: a 征求意见 says which kind of
    consultation stopped the clock, not whom the agency asked nor the staff's note on the answer;
    a correction of the applicant's particulars names the fields, not the staff's reason (whoever
    holds the 查询码 and a tail sees this page, as for the masked name in the notices)."""
    events = list(case.events.all())
    for event in events:
        if event.action in CONSULTATION_EVENTS:
            event.reason = next((kind.label for kind in Pause.Kind if event.reason.startswith(kind.label)), "")
        elif event.action == CORRECTION_EVENT:
            event.reason = correction_fields(event.reason)
        elif event.action == WITHDRAWAL_EVENT:
            event.reason = event.reason.split("；", 1)[0]
    return events


def notices_for_applicant(case):
    """The notices as the status page shows them: whoever holds the 查询码 and a tail sees the
    case, but the applicant's name is masked there all the same (a shared or leaked code)."""
    notices = list(case.notices.filter(addressee=Notice.Addressee.APPLICANT))  # never the third party's
    for notice in notices:
        if case.name:
            notice.body = notice.body.replace(case.name, case.masked_name)
    return notices


def reanswers_for_applicant(case) -> list[Reanswer]:
    """The case's 重新答复 rounds as the status page shows them: the order, its clock and the new
    answer, not who among staff entered them."""
    return list(
        case.reanswers.only(
            "case_id",
            "basis",
            "order_reference",
            "order_date",
            "served_on",
            "ordered_due_on",
            "due_on",
            "outcome",
            "replied_on",
            "opened_at",
        )
    )


def _answered_reanswers(case):
    """The case's (a case, or OuterRef("pk")) answered 重新答复 rounds, the last word first."""
    return Reanswer.objects.filter(case=case, replied_on__isnull=False).order_by("-opened_at", "-id")


def latest_answered_reanswer(case) -> Reanswer | None:
    """The 重新答复 round whose new answer is the case's last word (None before any)."""
    return _answered_reanswers(case).first()


def answer_in_force(rounds) -> Reanswer | None:
    """Of a case's rounds in their order (reanswers_for_public), the one whose new answer is in
    force (latest_answered_reanswer, without another query); None while the first answer is."""
    return next((round_ for round_ in reversed(rounds) if round_.replied_on), None)


# What a published case's page shows of a 重新答复 round: never the new answer as sent to the
# applicant, the order's reason or its clock.
REANSWER_PUBLIC_FIELDS = ("case_id", "basis", "order_date", "outcome", "replied_on", "public_text")


def reanswers_for_public(case) -> list[Reanswer]:
    """A published case's 重新答复 rounds as its public page shows them: why and when it was
    answered again, the outcome, and the new answer only as staff redacted it."""
    return list(case.reanswers.only(*REANSWER_PUBLIC_FIELDS))


# --- 重复申请 recognised on the server (not only by the browser's session) -------------------

# A form sent twice (a double click that reached the server twice, a second browser) within this
# long of the first is the same application: no second case, the first one's receipt.
DOUBLE_SUBMIT_SECONDS = 10 * 60
# A new application is flagged to staff as a possible 重复申请 of the same applicant's case at
# the same agency that is open, or was answered at most this long before it arrived.
DUPLICATE_DAYS = 180
# "Very close": difflib's ratio of the normalised texts (typing slips, a word added).
DUPLICATE_SIMILARITY = 0.9
_COMPARED_CHARS = 2000  # the ratio is quadratic; the start of a long description says enough
_NOT_WORD = re.compile(r"[\W_]+")


def normalized_request(title, document_number, description) -> str:
    """名称, 文号 and 特征描述 as compared for a repeat: width-folded (NFKC), case-folded, without
    spaces or punctuation (full- or half-width), so that 〔2026〕3号 and [2026] 3 号 are one."""
    return _NOT_WORD.sub("", fold_width(f"{title}|{document_number}|{description}").casefold())[:_COMPARED_CHARS]


def _same_request(wanted, case, *, close) -> bool:
    found = normalized_request(case.title, case.document_number, case.description)
    if found == wanted:
        return True
    if not close or not found or not wanted:
        return False
    matcher = SequenceMatcher(None, wanted, found, autojunk=False)
    return matcher.quick_ratio() >= DUPLICATE_SIMILARITY and matcher.ratio() >= DUPLICATE_SIMILARITY


_COMPARED_FIELDS = ("pk", "number", "title", "document_number", "description", "state", "is_open", "created_at")


def double_submission(*, agency, applicant: dict, request: dict, now=None) -> Case | None:
    """The online application this one repeats within DOUBLE_SUBMIT_SECONDS: the same agency,
    ID number and phone (their keyed digests) and the same normalised request, still open."""
    now = now or timezone.now()
    candidates = (
        Case.objects.filter(
            agency=agency,
            applicant_key=applicant_key(applicant["id_number"]),
            phone_key=phone_key(applicant["phone"]),
            channel=Case.Channel.ONLINE,
            is_open=True,
            created_at__gte=now - dt.timedelta(seconds=DOUBLE_SUBMIT_SECONDS),
        )
        .only(*_COMPARED_FIELDS)
        .order_by("-created_at", "-id")
    )
    wanted = normalized_request(request["title"], request.get("document_number", ""), request["description"])
    return next((case for case in candidates if _same_request(wanted, case, close=False)), None)


def possible_duplicate(*, case) -> Case | None:
    """The same applicant's (the keyed digest of the ID number, or of the phone) open or recently
    answered case at the same agency asking for the same information (identical or very close
    normalised text), newest first; None when there is none. Only ever shown to staff."""
    who = Q(applicant_key=case.applicant_key)
    if case.phone_key:
        who |= Q(phone_key=case.phone_key)
    since = case.received_on - dt.timedelta(days=DUPLICATE_DAYS)
    candidates = (
        Case.objects.filter(who, agency_id=case.agency_id)
        .filter(Q(is_open=True) | Q(replied_on__gte=since))
        .exclude(pk=case.pk)
        .only(*_COMPARED_FIELDS)
        .order_by("-created_at", "-id")[:20]
    )
    wanted = normalized_request(case.title, case.document_number, case.description)
    return next((found for found in candidates if _same_request(wanted, found, close=True)), None)


def annual_report(*, cases, year):
    """年报 table 三 for `cases` (already scoped): rows 新收, 上年结转, each outcome, 总计 and 结转下年度,
    columns 自然人, the five 法人或其他组织 subtypes and 总计. 一 + 二 = 三(总计) + 四 by construction."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    columns = [value for value, _ in Case.ApplicantType.choices]

    def by_type(queryset):
        counts = dict(queryset.values_list("applicant_type").annotate(n=Count("id")).order_by())
        row = [counts.get(column, 0) for column in columns]
        return row + [sum(row)]

    open_at = Q(replied_on__isnull=True) | Q(replied_on__gt=end)
    rows = [
        ("一、本年新收申请数量", by_type(cases.filter(received_on__range=(start, end)))),
        (
            "二、上年结转申请数量",
            by_type(cases.filter(received_on__lt=start).filter(Q(replied_on__isnull=True) | Q(replied_on__gte=start))),
        ),
    ]
    answered = cases.filter(replied_on__range=(start, end))
    outcome_counts = {}
    for applicant_type, outcome, n in (
        answered.values_list("applicant_type", "outcome").annotate(n=Count("id")).order_by()
    ):
        outcome_counts[(applicant_type, outcome)] = n
    for outcome in Outcome:
        row = [outcome_counts.get((column, outcome.value), 0) for column in columns]
        rows.append(("三、" + outcome.label, row + [sum(row)]))
    rows.append(("三、（七）总计", by_type(answered)))
    rows.append(("四、结转下年度继续办理", by_type(cases.filter(received_on__lte=end).filter(open_at))))
    return {
        "year": year,
        "columns": [label.split("：")[-1] for _, label in Case.ApplicantType.choices] + ["总计"],
        "rows": rows,
    }
