"""Writes for 依申请公开. Each transition is one function: it locks the case, checks the move
is allowed (models.TRANSITIONS), records who/when/why (CaseEvent + simple-history reason),
recomputes the deadline and issues the notice."""

import datetime as dt
import logging
import secrets
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.dates import after_today, chinese_date
from core.mail import send_after_commit
from core.working_days import add_working_days, load_calendar, working_days_between

from . import clock, notices, outbox, selectors
from .crypto import digest
from .models import (
    LAPSE_OUTCOMES,
    TRANSITIONS,
    Case,
    CaseEvent,
    CaseItem,
    CaseSerial,
    Notice,
    Outcome,
    Pause,
    Reanswer,
    applicant_key,
    phone_key,
)
from .particulars import PARTICULARS, Found, Haystack, masked, particular_forms, party_particulars

logger = logging.getLogger(__name__)  # case numbers only, never an applicant's details

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


class TransitionNotAllowed(ValidationError):
    pass


# 政府信息公开条例 in force (2008-05-01): no application is older; a year-1 typo made every
# queue page count 740,000 days.
REGULATIONS_IN_FORCE = dt.date(2008, 5, 1)


def new_query_code() -> str:
    raw = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(12))  # 60 bits
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _next_number(year: int) -> str:
    serial, _ = CaseSerial.objects.select_for_update().get_or_create(year=year)
    serial.last += 1
    serial.save()
    pattern = getattr(settings, "INFOREQUESTS_CASE_NUMBER_PATTERN", "GD-YSQ-{year}-{serial:05d}")
    return pattern.format(year=year, serial=serial.last)


def _save(case, *, user, reason):
    case._history_user = user if user is not None and getattr(user, "is_authenticated", False) else None
    # Set before saving: update_change_reason() finds the row by field values, and Fernet
    # ciphertext differs on every write.
    case._change_reason = reason[:100]  # simple-history's column; the CaseEvent keeps the full text
    case.save()


def _event(case, *, action, from_state="", effective_on, user, reason=""):
    CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        effective_on=effective_on,
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        reason=reason,
    )


def _recompute(case, calendar=None):
    """Store the due date with what it was computed from. Returns True when it changed."""
    deadline = clock.case_deadline(case, calendar=calendar or load_calendar())
    inputs = deadline.inputs(clock.case_pauses(case))
    changed = (case.due_on, case.due_exact) != (deadline.due, deadline.exact)
    case.due_on, case.due_exact, case.due_inputs = deadline.due, deadline.exact, inputs
    return changed


def _waiting_days(kind):
    """Working days the other side is given for an open pause of `kind` (None: no limit)."""
    return {
        Pause.Kind.CORRECTION: getattr(settings, "INFOREQUESTS_CORRECTION_DAYS", 15),
        Pause.Kind.THIRD_PARTY: clock.THIRD_PARTY_DAYS,
        Pause.Kind.FEE: clock.FEE_PAYMENT_DAYS,
    }.get(kind)


def _waiting_until(started_on, kind, calendar=None):
    days = _waiting_days(kind)
    return None if days is None else add_working_days(started_on, days, calendar=calendar)[0]


def _due_words(case) -> str:
    """The due date for a notice, marked provisional when a year in the count is not yet scheduled."""
    provisional = selectors.case_provisional_note(case)
    return chinese_date(case.due_on) + (f"（{provisional}）" if provisional else "")


def _lock(case):
    return Case.objects.select_for_update().get(pk=case.pk)


def _check(case, to_state, *, user=None):
    if user is not None and not selectors.can_handle(user=user, case=case):
        raise PermissionDenied("无权办理其他机关的申请。")
    if to_state not in TRANSITIONS[case.state]:
        raise TransitionNotAllowed(
            f"“{case.get_state_display()}”状态的申请不能转为“{Case.State(to_state).label}”。", code="transition"
        )


def _move(case, to_state, *, action, effective_on, user, reason=""):
    from_state = case.state
    case.state = to_state
    _recompute(case)
    case.full_clean(exclude=["agency", "duplicate_of", "possible_duplicate_of"])
    _save(case, user=user, reason=f"{action}：{reason}" if reason else action)
    _event(case, action=action, from_state=from_state, effective_on=effective_on, user=user, reason=reason)


def _context(case, **extra):
    return {
        "name": case.name,
        "number": case.number,
        "agency": case.agency.name,
        "reconsideration_body": getattr(getattr(case.agency, "request_desk", None), "reconsideration_body", ""),
        "title": case.title,
        "received_on": chinese_date(case.received_on),
        **extra,
    }


def _notify(case, key, *, on, addressee=Notice.Addressee.APPLICANT, title_prefix="", **extra):
    """Issue a notice (kept on the case; the applicant's shown to them) and mail an applicant's
    when we can, until it is sent (outbox). A third party's is printed and sent by post (the case
    holds no address of theirs)."""
    context = _context(case, **extra)
    if addressee == Notice.Addressee.THIRD_PARTY:
        context.pop("name")  # the applicant is not named to the third party
    title, body = notices.render(key, **context)
    title = (title_prefix + title)[: Notice._meta.get_field("title").max_length]
    notice = Notice.objects.create(case=case, addressee=addressee, key=key, title=title, body=body, issued_on=on)
    if addressee == Notice.Addressee.APPLICANT and case.email:
        outbox.queue_notice(notice)
    return notice


def _today(today):
    return today or timezone.localdate()


def _check_day(day, field, label, *, not_before=None):
    """A date staff give for a step: not in the future, not before what it follows."""
    if message := after_today(day, label):
        raise ValidationError({field: message})
    if not_before is not None and day < not_before:
        raise ValidationError({field: f"{label}不能早于{chinese_date(not_before)}。"})


class AlreadyRegistered(Exception):
    """The application was registered minutes ago: `case` is the one registered."""

    def __init__(self, case):
        super().__init__(case.number)
        self.case = case


@transaction.atomic
def case_register(
    *,
    agency,
    channel,
    received_on,
    applicant: dict,
    request: dict,
    items=(),
    confirmed_at=None,
    user=None,
    is_demo=False,
    query_code=None,
    refuse_double_submission=False,
) -> tuple[Case, str]:
    """登记: Art. 31's receipt date starts the clock. Returns the case and its 查询码 (shown
    to the applicant only: just its keyed digest is stored). A `query_code` chosen beforehand
    makes a second registration with it fail (IntegrityError): a form sent twice from one page.
    `refuse_double_submission` (an applicant's online form): the same application registered
    minutes ago, from anywhere, raises AlreadyRegistered with it (selectors.double_submission)."""
    if user is not None and not (
        user.has_perm("inforequests.add_case") and selectors.staff_agencies(user).filter(pk=agency.pk).exists()
    ):
        raise PermissionDenied("无权为其他机关登记申请。")
    if not is_demo and (message := after_today(received_on, "收到申请日期")):
        raise ValidationError({"received_on": message})
    if received_on < REGULATIONS_IN_FORCE:
        raise ValidationError({"received_on": f"收到申请日期不能早于条例施行之日（{REGULATIONS_IN_FORCE:%Y-%m-%d}）。"})
    code = query_code or new_query_code()
    # The year's serial, locked until commit: registrations are taken one at a time, so a repeat
    # sent from another browser at the same moment finds this one (it waited for it).
    number = _next_number(received_on.year)
    if refuse_double_submission and (
        earlier := selectors.double_submission(agency=agency, applicant=applicant, request=request)
    ):
        raise AlreadyRegistered(earlier)
    case = Case(
        number=number,
        query_code_digest=digest(code, "query"),
        agency=agency,
        channel=channel,
        received_on=received_on,
        clock_start=received_on,
        confirmed_at=confirmed_at,
        applicant_key=applicant_key(applicant["id_number"]),
        is_demo=is_demo,
        **applicant,
        **request,
    )
    _recompute(case)
    # Shown to staff only (never on the applicant's pages: a phone can be shared).
    case.phone_key = phone_key(case.phone)
    case.possible_duplicate_of = selectors.possible_duplicate(case=case)
    # The 查询码's unique index, not a check before it, decides between two sent at once.
    case.full_clean(exclude=["duplicate_of", "possible_duplicate_of", "query_code_digest"])
    _save(case, user=user, reason="登记")
    for position, description in enumerate(items or [request["title"]], start=1):
        CaseItem.objects.create(case=case, position=position, description=description)
    _event(
        case,
        action=selectors.REGISTRATION_EVENT,
        effective_on=received_on,
        user=user,
        reason=case.get_channel_display(),
    )
    _notify(case, "receipt", on=received_on, due=_due_words(case))
    _tell_handlers(
        case,
        f"新的政府信息公开申请 {case.number}",
        f"{agency.name}收到新的申请 {case.number}，请及时办理。",
        about=f"新申请 {case.number}",
    )
    logger.info("inforequests: registered %s", case.number)
    return case, code


@transaction.atomic
def case_request_correction(*, case, notice_on, reason, waiting_until=None, user=None) -> Case:
    """补正 (Art. 30): one notice, within 7 working days of receipt; the clock stops and
    restarts from the day the 补正 arrives."""
    case = _lock(case)
    _check(case, Case.State.CORRECTION, user=user)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "请一次性写明需要补正的事项和理由。"
    if case.correction_notice_on:
        errors["notice_on"] = "补正只能一次性告知，本件已告知过补正。"
    elif notice_on < case.received_on:
        errors["notice_on"] = "补正通知日期不能早于收到申请日期。"
    elif message := after_today(notice_on, "补正通知日期"):
        errors["notice_on"] = message
    else:
        used, _ = working_days_between(case.received_on, notice_on)
        if used > clock.CORRECTION_NOTICE_DAYS:
            errors["notice_on"] = (
                f"补正须在收到申请之日起{clock.CORRECTION_NOTICE_DAYS}个工作日内一次性告知"
                f"（{case.received_on:%Y-%m-%d}起已过{used}个工作日）。"
            )
    if errors:
        raise ValidationError(errors)
    case.waiting_until = waiting_until or _waiting_until(notice_on, Pause.Kind.CORRECTION)
    case.correction_notice_on = notice_on
    Pause.objects.create(case=case, kind=Pause.Kind.CORRECTION, started_on=notice_on)
    _move(case, Case.State.CORRECTION, action="告知补正", effective_on=notice_on, user=user, reason=reason.strip())
    _notify(case, "correction", on=notice_on, due=chinese_date(case.waiting_until), reason=reason.strip())
    return case


@transaction.atomic
def case_receive_correction(*, case, received_on, user=None, note="") -> Case:
    case = _lock(case)
    _check(case, Case.State.REGISTERED, user=user)
    if case.state != Case.State.CORRECTION:
        raise TransitionNotAllowed("本件不在待补正状态。")
    if received_on < case.correction_notice_on:
        raise ValidationError({"received_on": "收到补正日期不能早于补正通知日期。"})
    _check_day(received_on, "received_on", "收到补正日期")
    case.pauses.filter(kind=Pause.Kind.CORRECTION, ended_on__isnull=True).update(ended_on=received_on)
    case.correction_received_on = case.clock_start = received_on
    case.waiting_until = None
    _move(
        case,
        Case.State.REGISTERED,
        action="收到补正",
        effective_on=received_on,
        user=user,
        reason=note or "答复期限自收到补正之日起重新计算",
    )
    return case


@transaction.atomic
def case_start_consultation(*, case, kind, party, started_on, reason="", user=None) -> Case:
    """征求意见 (Art. 32/33): the time taken does not count; a third party has 15 working days."""
    case = _lock(case)
    _check(case, Case.State.CONSULTATION, user=user)
    if kind not in (Pause.Kind.THIRD_PARTY, Pause.Kind.AGENCY):
        raise ValidationError({"kind": "请选择征求第三方或其他机关意见。"})
    if not (party or "").strip():
        raise ValidationError({"party": "请填写征求意见的对象。"})
    if started_on < case.clock_start:
        raise ValidationError({"started_on": "征求意见日期不能早于计时起算日。"})
    _check_day(started_on, "started_on", "征求意见日期")
    Pause.objects.create(case=case, kind=kind, started_on=started_on, party=party.strip())
    case.waiting_until = _waiting_until(started_on, kind)
    _move(
        case,
        Case.State.CONSULTATION,
        action="征求意见",
        effective_on=started_on,
        user=user,
        reason=f"{Pause.Kind(kind).label}：{party.strip()}" + (f"；{reason}" if reason else ""),
    )
    # The applicant is told the clock stops (not whom the agency asks: a third party's name is theirs).
    concerns = "第三方合法权益，需征求第三方意见" if kind == Pause.Kind.THIRD_PARTY else "其他机关，需征求其他机关意见"
    _notify(case, "consultation", on=started_on, reason=concerns)
    if kind == Pause.Kind.THIRD_PARTY:  # Art. 32: asked in writing
        _notify(
            case,
            "third_party_consultation",
            on=started_on,
            addressee=Notice.Addressee.THIRD_PARTY,
            party=party.strip(),
            due=chinese_date(case.waiting_until),
        )
    return case


def _resume_state(case):
    return Case.State.EXTENDED if case.extension_days else Case.State.REGISTERED


def _end_pause(case, kind_filter, ended_on):
    pause = case.pauses.filter(kind__in=kind_filter, ended_on__isnull=True).first()
    if pause is None:
        raise TransitionNotAllowed("没有正在进行的暂停。")
    if ended_on < pause.started_on:
        raise ValidationError({"ended_on": "结束日期不能早于开始日期。"})
    _check_day(ended_on, "ended_on", "结束日期")
    pause.ended_on = ended_on
    pause.save()


@transaction.atomic
def case_end_consultation(*, case, ended_on, note="", user=None) -> Case:
    case = _lock(case)
    if case.state != Case.State.CONSULTATION:
        raise TransitionNotAllowed("本件不在征求意见状态。")
    _check(case, _resume_state(case), user=user)
    _end_pause(case, [Pause.Kind.THIRD_PARTY, Pause.Kind.AGENCY], ended_on)
    case.waiting_until = None
    _move(case, _resume_state(case), action="征求意见结束", effective_on=ended_on, user=user, reason=note)
    return case


def fee_quote(case) -> tuple[Decimal, list[tuple[int, int]]]:
    """(amount, [(n-th request of the applicant this month, fee)…]) for the case's items.
    The month is the receipt date's calendar month (Asia/Shanghai dates, as stored)."""
    first = case.received_on.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    earlier = (
        CaseItem.objects.filter(
            case__applicant_key=case.applicant_key,
            case__received_on__gte=first,
            case__received_on__lt=following,
        )
        .exclude(case__outcome=Outcome.NOT_PROCESSED_REPEAT)
        .exclude(case=case)
        .filter(
            # Requests received earlier in the month (or the same day, registered before) come first.
            models_q_before(case)
        )
        .count()
    )
    lines = [(earlier + i, clock.per_item_fee(earlier + i)) for i in range(1, case.items.count() + 1)]
    return Decimal(sum(fee for _, fee in lines)), lines


def models_q_before(case):
    from django.db.models import Q

    return Q(case__received_on__lt=case.received_on) | Q(case__received_on=case.received_on, case__pk__lt=case.pk)


@transaction.atomic
def case_request_fee(*, case, notice_on, user=None) -> Case:
    """待缴费 (国办函〔2020〕109号): only past the applicant's 10 free requests this month."""
    case = _lock(case)
    _check(case, Case.State.FEE, user=user)
    if case.fee_notice_on is not None:
        raise TransitionNotAllowed(f"本件已于{chinese_date(case.fee_notice_on)}发出收费通知，一件申请只收费一次。")
    _check_day(notice_on, "notice_on", "收费通知日期", not_before=case.clock_start)
    amount, lines = fee_quote(case)
    if amount <= 0:
        raise ValidationError({"notice_on": f"本件为申请人本月第{lines[0][0]}件申请，每月10件以内不收费。"})
    case.fee_amount, case.fee_notice_on = amount, notice_on
    case.waiting_until = _waiting_until(notice_on, Pause.Kind.FEE)
    Pause.objects.create(case=case, kind=Pause.Kind.FEE, started_on=notice_on)
    _move(
        case,
        Case.State.FEE,
        action="收费通知",
        effective_on=notice_on,
        user=user,
        reason="；".join(f"本月第{n}件 {fee}元" for n, fee in lines),
    )
    _notify(case, "fee", on=notice_on, amount=amount, due=chinese_date(case.waiting_until))
    return case


@transaction.atomic
def case_record_payment(*, case, paid_on, user=None) -> Case:
    case = _lock(case)
    if case.state != Case.State.FEE:
        raise TransitionNotAllowed("本件不在待缴费状态。")
    _check(case, _resume_state(case), user=user)
    _check_day(paid_on, "paid_on", "缴费日期", not_before=case.fee_notice_on)
    _end_pause(case, [Pause.Kind.FEE], paid_on)
    case.paid_on, case.waiting_until = paid_on, None
    _move(case, _resume_state(case), action="已缴费", effective_on=paid_on, user=user)
    return case


@transaction.atomic
def case_extend(*, case, days, approver, reason, on, user=None) -> Case:
    """延期 (Art. 33): ≤ 20 more working days, approved by the office's 负责人, applicant told."""
    case = _lock(case)
    _check(case, Case.State.EXTENDED, user=user)
    errors = {}
    if not 1 <= days <= clock.MAX_EXTENSION_DAYS:
        errors["days"] = f"延长期限为1至{clock.MAX_EXTENSION_DAYS}个工作日。"
    if not (approver or "").strip():
        errors["approver"] = "请填写批准延期的政府信息公开工作机构负责人。"
    if not (reason or "").strip():
        errors["reason"] = "请填写延期理由。"
    if case.extension_days:
        errors["days"] = f"本申请已延期{case.extension_days}个工作日；条例第三十三条只允许延期一次。"
    if case.due_on is None:
        errors["on"] = "答复期限正暂停计算（征求意见或待缴费），恢复计算后才能决定延期。"
    elif on > case.due_on:
        errors["on"] = f"答复期限（{case.due_on:%Y-%m-%d}）已过，不能再延期。"
    elif on < case.received_on:
        errors["on"] = "延期决定日期不能早于收到申请日期。"
    elif message := after_today(on, "延期决定日期"):
        errors["on"] = message
    if errors:
        raise ValidationError(errors)
    case.extension_days, case.extension_approver = days, approver.strip()
    _move(
        case,
        Case.State.EXTENDED,
        action="延期答复",
        effective_on=on,
        user=user,
        reason=f"延长{days}个工作日，负责人{approver.strip()}批准：{reason.strip()}",
    )
    _notify(case, "extension", on=on, days=days, reason=reason.strip(), due=_due_words(case))
    return case


def _close(
    case,
    *,
    outcome,
    replied_on,
    reply_text,
    action,
    user,
    answered=True,
    notice_on=None,
    notice_key=None,
    staff_note="",
):
    """Closes the case. `answered`: an answer the applicant asked for; a lapse (逾期不补正,
    逾期未缴费) and a withdrawal end the case without one, and stay out of the days taken and
    the on-time rate the public statistics give. `notice_on`: the 告知书's date when it is
    issued after the day the case closed (a lapse). `staff_note`: kept in the case's record
    for staff, never in the notice."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "请选择办理结果。"})
    if replied_on < case.received_on:
        raise ValidationError({"replied_on": "答复日期不能早于收到申请日期。"})
    # Not before the case's last step (a 补正 received, a consultation ended, an extension): the
    # steps would read out of order, and 年报 might count the answer in a year before them.
    _check_day(replied_on, "replied_on", "答复日期", not_before=selectors.last_step_on(case))
    # Outcomes that say what happened on the case must have happened (年报 table 三 counts them).
    if outcome == Outcome.OTHER_NO_CORRECTION and case.correction_notice_on is None:
        raise ValidationError({"outcome": "本件没有发出过补正通知，不能以“逾期不补正”办结。"})
    if outcome == Outcome.OTHER_NO_CORRECTION and case.correction_received_on is not None:
        raise ValidationError(
            {"outcome": f"申请人已于{chinese_date(case.correction_received_on)}补正，不能以“逾期不补正”办结。"}
        )
    if outcome == Outcome.OTHER_UNPAID and case.fee_notice_on is None:
        raise ValidationError({"outcome": "本件没有发出过收费通知，不能以“逾期未缴费”办结。"})
    if outcome == Outcome.OTHER_UNPAID and case.paid_on is not None:
        raise ValidationError({"outcome": f"申请人已于{chinese_date(case.paid_on)}缴费，不能以“逾期未缴费”办结。"})
    if outcome == Outcome.UNABLE_UNCLEAR and case.correction_received_on is None:
        raise ValidationError(
            {"outcome": "本件没有收到过补正，不能以“补正后申请内容仍不明确”答复：内容不明确的，请先告知补正。"}
        )
    if outcome == Outcome.NOT_PROCESSED_REPEAT and case.duplicate_of_id is None:
        raise ValidationError({"outcome": "以“重复申请”办结前，请先关联原申请（关联重复申请）。"})
    case.pauses.filter(ended_on__isnull=True).update(ended_on=replied_on)
    case.outcome, case.replied_on, case.reply_text, case.waiting_until = outcome, replied_on, reply_text, None
    # The days the answer took as the clock counts them: from its start (a 补正 restarts it),
    # without the 征求意见 and fee pauses, as the deadline was worked out.
    due_before = case.due_on
    if answered:
        case.answer_working_days = clock.counted_days(
            start=case.clock_start, end=replied_on, pauses=clock.case_pauses(case), calendar=load_calendar()
        )
        case.answered_on_time = due_before is None or replied_on <= due_before
    case.items.filter(outcome="").update(outcome=outcome)
    reason = Outcome(outcome).label + (f"；{staff_note}" if staff_note else "")
    _move(case, Case.State.ANSWERED, action=action, effective_on=replied_on, user=user, reason=reason)
    # The reply keeps the deadline it was answered against (the walk would now include the
    # pause), or none when it closed with the clock stopped (逾期不补正 / 逾期未缴费).
    if case.due_on != due_before:
        Case.objects.filter(pk=case.pk).update(due_on=due_before)
        case.due_on = due_before
    _notify(case, notice_key or outcome, on=notice_on or replied_on, reply=reply_text)
    return case


@transaction.atomic
def case_reply(*, case, outcome, replied_on, reply_text, third_party_reason="", user=None) -> Case:
    """答复. Disclosing what a third party was asked about (Art. 32) also tells the third party,
    in writing, what is disclosed and why (`third_party_reason`, required then)."""
    case = _lock(case)
    _check(case, Case.State.ANSWERED, user=user)
    _refuse_while_reanswering(case, "请在“作出重新答复”中答复，原答复保留不变。")
    if case.is_paused:
        raise TransitionNotAllowed(f"本件{case.get_state_display()}，请先结束暂停再答复。")
    if not (reply_text or "").strip():
        raise ValidationError({"reply_text": "请填写答复内容。"})
    parties = _parties_told(case, outcome)
    if parties and not (third_party_reason or "").strip():
        raise ValidationError({"third_party_reason": THIRD_PARTY_REASON_NEEDED})
    case = _close(case, outcome=outcome, replied_on=replied_on, reply_text=reply_text.strip(), action="答复", user=user)
    _tell_parties(case, parties, on=replied_on, reason=third_party_reason)
    return case


THIRD_PARTY_REASON_NEEDED = "本件征求过第三方意见：决定公开的，须写明理由，以书面告知第三方（条例第三十二条）。"


def _parties_told(case, outcome) -> list[str]:
    """The third parties asked for their opinion, when `outcome` discloses: each is told in
    writing what is disclosed and why (Art. 32), by an answer or a 重新答复 alike."""
    if outcome not in (Outcome.GRANTED, Outcome.PARTIAL):
        return []
    return list(dict.fromkeys(case.pauses.filter(kind=Pause.Kind.THIRD_PARTY).values_list("party", flat=True)))


def _tell_parties(case, parties, *, on, reason):
    for party in parties:
        _notify(
            case,
            "third_party_disclosure",
            on=on,
            addressee=Notice.Addressee.THIRD_PARTY,
            party=party,
            reason=reason.strip(),
        )


@transaction.atomic
def case_close_lapsed(*, case, today=None, user=None) -> Case:
    """逾期不补正 / 逾期未缴费: the applicant's time has passed (run by the reminder command).
    The case closes as of the end of the last day the applicant was given, in Beijing time,
    whenever the command runs (a run missed over New Year still counts the lapse in 年报 for
    the old year); the 告知书 is dated the day it is issued."""
    case = _lock(case)
    today = _today(today)
    _check(case, Case.State.ANSWERED, user=user)
    outcomes = {Case.State.CORRECTION: Outcome.OTHER_NO_CORRECTION, Case.State.FEE: Outcome.OTHER_UNPAID}
    if case.state not in outcomes:
        raise TransitionNotAllowed("只有待补正或待缴费的申请会逾期终止。")
    if case.waiting_until is None or today <= case.waiting_until:
        raise ValidationError(f"申请人的期限（{case.waiting_until:%Y-%m-%d}）尚未届满。")
    return _close(
        case,
        outcome=outcomes[case.state],
        replied_on=case.waiting_until,
        notice_on=today,
        user=user,
        action="逾期终止",
        reply_text=f"申请人未在{chinese_date(case.waiting_until)}前"
        + ("补正" if case.state == Case.State.CORRECTION else "缴纳信息处理费")
        + "，视为放弃申请。",
        answered=False,
    )


@transaction.atomic
def case_withdraw(*, case, withdrawn_on, note="", user=None) -> Case:
    """撤回: the applicant withdraws the request, in any open state (a 补正, a fee or an opinion
    still awaited). 年报 table 三 counts it as 其他处理/其他 in the year of the withdrawal; waiting
    for the 补正 or the fee to lapse instead would count it as 逾期不补正 / 逾期未缴费."""
    case = _lock(case)
    _check(case, Case.State.ANSWERED, user=user)  # every open state may end so
    # Ending it so would overwrite the answer the order is about.
    _refuse_while_reanswering(case, "重新答复中的申请不能以撤回办结，请作出重新答复。")
    # Not before the case's last step: the pause it ends (a pause ends on or after its start),
    # a 补正 received or a consultation ended (the steps would read out of order).
    _check_day(withdrawn_on, "withdrawn_on", "撤回日期", not_before=selectors.last_step_on(case))
    note = (note or "").strip()
    return _close(
        case,
        outcome=Outcome.OTHER,
        replied_on=withdrawn_on,
        # The letter speaks to the applicant; how the withdrawal came and who took it is staff's.
        reply_text=f"您于{chinese_date(withdrawn_on)}撤回申请，本机关终止办理。",
        staff_note=note,
        action=selectors.WITHDRAWAL_EVENT,
        user=user,
        answered=False,
        notice_key="withdrawal",
    )


# How a withdrawal from the receipt is recorded (the end of its event's reason).
UNDO_NOTE = f"申请人在提交后{selectors.SUBMISSION_UNDO_SECONDS // 60}分钟内于受理回执页在线撤回"


@transaction.atomic
def case_undo_submission(*, case) -> Case:
    """The applicant takes back the online application they sent minutes ago, from the receipt
    (selectors.submission_undo_until): closed as their withdrawal, which 年报 counts as one,
    with the 办理记录 saying how it came; the handlers told of the new case are told it is closed.
    Asked again once taken back (a double click, Back and 确认撤回 again): the case as it is,
    nothing done or told twice."""
    case = _lock(case)
    if case.events.filter(action=selectors.WITHDRAWAL_EVENT, reason__endswith=UNDO_NOTE).exists():
        return case
    if selectors.submission_undo_until(case) is None:
        raise TransitionNotAllowed(
            f"提交已超过{selectors.SUBMISSION_UNDO_SECONDS // 60}分钟或申请已开始办理，不能在线撤回。"
            "如需撤回，请联系受理机关。"
        )
    case = case_withdraw(
        case=case,
        withdrawn_on=timezone.localdate(),
        note=UNDO_NOTE,
    )
    _tell_handlers(
        case,
        f"政府信息公开申请 {case.number} 已撤回",
        f"{case.agency.name}的申请 {case.number} 已由申请人在提交后几分钟内在线撤回，本件已办结，无需办理。",
        about=f"撤回 {case.number}",
    )
    logger.info("inforequests: %s withdrawn from its receipt", case.number)
    return case


def _tell_handlers(case, subject, body, *, about):
    """An e-mail to the staff of the case's agency, once the transaction commits."""
    staff = selectors.handler_emails(organization=case.agency)
    if staff:
        send_after_commit(subject, body, staff, about=about)


def _refuse_while_reanswering(case, what):
    if case.state == Case.State.REANSWERING:
        raise TransitionNotAllowed(f"本件正在重新答复：{what}")


def _latest_answer_on(case) -> dt.date:
    """The date of the case's latest answer: the first one's, or the last 重新答复's."""
    later = case.reanswers.filter(replied_on__isnull=False).aggregate(on=Max("replied_on"))["on"]
    return max(day for day in (case.replied_on, later) if day is not None)


@transaction.atomic
def case_reopen_for_reanswer(
    *, case, basis, order_date, served_on, reason, order_reference="", ordered_due_on=None, user=None
) -> Case:
    """重新答复: a 行政复议 decision or a judgment orders the agency to answer again (责令重新答复 /
    判决重新答复), or the agency corrects its own answer. The case reopens on a new clock: the
    order's service on the agency counts as receiving the application (20 working days), unless
    the order sets its own time limit. The earlier answer stays as it is (table 三 counts it);
    the new one is recorded on the round (case_reanswer); the applicant is told."""
    case = _lock(case)
    _check(case, Case.State.REANSWERING, user=user)
    errors = {}
    order_reference, reason = (order_reference or "").strip(), (reason or "").strip()
    if basis not in Reanswer.Basis.values:
        errors["basis"] = "请选择重新答复依据。"
    elif basis != Reanswer.Basis.SELF_CORRECTION and not order_reference:
        errors["order_reference"] = "请填写行政复议决定书或判决书的文号。"
    if not reason:
        errors["reason"] = "请填写重新答复理由。"
    if case.particulars_erased_on is not None:
        errors["basis"] = (
            f"申请人信息已于{chinese_date(case.particulars_erased_on)}按保存期限删除，无法告知申请人，不能重新答复。"
        )
    answered_on, today = _latest_answer_on(case), timezone.localdate()
    if order_date < answered_on:
        errors["order_date"] = f"决定/判决日期不能早于被重新答复的答复日期（{chinese_date(answered_on)}）。"
    elif message := after_today(order_date, "决定/判决日期"):
        errors["order_date"] = message
    if served_on < order_date:
        errors["served_on"] = "送达本机关日期不能早于决定/判决日期。"
    elif message := after_today(served_on, "送达本机关日期"):
        errors["served_on"] = message
    if ordered_due_on is not None and ordered_due_on <= served_on:
        errors["ordered_due_on"] = "规定的答复期限应晚于送达本机关日期。"
    if errors:
        raise ValidationError(errors)
    round_ = Reanswer.objects.create(
        case=case,
        basis=basis,
        order_reference=order_reference,
        order_date=order_date,
        served_on=served_on,
        ordered_due_on=ordered_due_on,
        reason=reason,
        opened_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
        previous_due_on=case.due_on,
    )
    order = Reanswer.Basis(basis).label + (f"（{order_reference}）" if order_reference else "")
    _move(
        case,
        Case.State.REANSWERING,
        action="自行纠错" if basis == Reanswer.Basis.SELF_CORRECTION else "责令重新答复",
        effective_on=served_on,
        user=user,
        reason=f"{order}，{order_date:%Y-%m-%d}作出，{served_on:%Y-%m-%d}送达：{reason}",
    )
    round_.due_on, round_.due_inputs = case.due_on, case.due_inputs
    round_.save(update_fields=["due_on", "due_inputs"])
    _notify(case, "reanswer", on=today, due=_due_words(case), reason=f"{order}：{reason}")
    return case


@transaction.atomic
def case_reanswer(*, case, outcome, replied_on, reply_text, third_party_reason="", user=None) -> Case:
    """The new answer of a 重新答复 round, with its outcome and its own 告知书 (with the rights
    to 复议 and 诉讼 again). The case's first answer is not touched. Disclosing what a third
    party was asked about tells the third party, as case_reply does."""
    case = _lock(case)
    _check(case, Case.State.ANSWERED, user=user)
    if case.state != Case.State.REANSWERING:
        raise TransitionNotAllowed("本件不在重新答复中：先登记重新答复的依据，再作出重新答复。")
    round_ = case.reanswers.get(replied_on__isnull=True)
    errors = {}
    if outcome not in Outcome.values or outcome in LAPSE_OUTCOMES:
        errors["outcome"] = "请选择办理结果。"
    elif outcome == Outcome.UNABLE_UNCLEAR and case.correction_received_on is None:
        errors["outcome"] = "本件没有收到过补正，不能以“补正后申请内容仍不明确”答复。"
    elif outcome == Outcome.NOT_PROCESSED_REPEAT and case.duplicate_of_id is None:
        errors["outcome"] = "以“重复申请”答复前，请先关联原申请（关联重复申请）。"
    if not (reply_text or "").strip():
        errors["reply_text"] = "请填写重新答复内容。"
    parties = _parties_told(case, outcome)
    if parties and not (third_party_reason or "").strip():
        errors["third_party_reason"] = THIRD_PARTY_REASON_NEEDED
    if replied_on < round_.served_on:
        errors["replied_on"] = f"重新答复日期不能早于送达本机关日期（{chinese_date(round_.served_on)}）。"
    elif message := after_today(replied_on, "重新答复日期"):
        errors["replied_on"] = message
    if errors:
        raise ValidationError(errors)
    round_.outcome, round_.replied_on, round_.reply_text = outcome, replied_on, reply_text.strip()
    round_.answered_on_time = round_.due_on is None or replied_on <= round_.due_on
    round_.answered_by = user if user is not None and getattr(user, "is_authenticated", False) else None
    round_._history_user = round_.answered_by
    round_.save()
    _move(
        case, Case.State.ANSWERED, action="重新答复", effective_on=replied_on, user=user, reason=Outcome(outcome).label
    )
    _notify(case, outcome, on=replied_on, reply=round_.reply_text, title_prefix="（重新答复）")
    _tell_parties(case, parties, on=replied_on, reason=third_party_reason)
    return case


@transaction.atomic
def case_archive(*, case, user=None, note="") -> Case:
    case = _lock(case)
    _check(case, Case.State.ARCHIVED, user=user)
    _move(case, Case.State.ARCHIVED, action="归档", effective_on=timezone.localdate(), user=user, reason=note)
    return case


@transaction.atomic
def case_link_duplicate(*, case, original, user=None) -> Case:
    """重复申请: link to the earlier identical request (the 不予处理 outcome is still a reply)."""
    case = _lock(case)
    if isinstance(original, str):
        original = Case.objects.filter(number=original.strip()).first()
    elif original is not None:
        original = Case.objects.filter(pk=original.pk).first()  # as stored (answered since?)
    if user is not None and not selectors.can_handle(user=user, case=case):
        raise PermissionDenied("无权办理其他机关的申请。")
    if original is None or (user is not None and not selectors.can_handle(user=user, case=original)):
        # The same answer for another agency's number: which numbers exist is not told.
        raise ValidationError({"original": "本机关没有这个申请编号，请核对。"})
    if original.pk == case.pk or original.duplicate_of_id == case.pk:
        raise ValidationError({"original": "不能关联到本件或以本件为原申请的申请。"})
    # Art. 36(6): the same applicant asking the same agency again for what it has answered.
    if original.agency_id != case.agency_id:
        raise ValidationError({"original": "本机关没有这个申请编号，请核对。"})
    if original.applicant_key != case.applicant_key:
        raise ValidationError({"original": f"{original.number}是其他申请人的申请，不是本申请人的重复申请。"})
    if original.replied_on is None:
        raise ValidationError({"original": f"{original.number}尚未答复：重复申请是指对已答复的申请再次提出。"})
    case.duplicate_of = original
    _save(case, user=user, reason=f"关联重复申请 {original.number}")
    _event(case, action="关联重复申请", effective_on=timezone.localdate(), user=user, reason=original.number)
    return case


@transaction.atomic
def case_correct_applicant(*, case, changed, reason, user=None) -> Case:
    """Save a correction of the applicant's particulars (`case` as edited, `changed` the field
    names): the fee count follows a corrected 证件号码, and the 办理记录 says what was corrected
    and why — the field names, never the values (personal data)."""
    if user is not None and not selectors.can_handle(user=user, case=case):
        raise PermissionDenied("无权办理其他机关的申请。")
    if case.particulars_erased_on is not None:
        # Erased at the end of their period (retention.py): not to be typed back in.
        raise ValidationError(
            f"申请人信息已于{chinese_date(case.particulars_erased_on)}按保存期限删除，不能再录入或更正。"
        )
    if case.replied_on is not None and "applicant_type" in changed:  # answered, or answering again
        # 年报 table 三 counts the answered case in its applicant type's column.
        raise ValidationError({"applicant_type": "已办结的申请不能更改申请人类型。"})
    case.applicant_key = applicant_key(case.id_number)
    labels = "、".join(str(Case._meta.get_field(name).verbose_name) for name in changed)
    _save(case, user=user, reason=f"更正申请人信息：{labels}")
    _event(case, action="更正申请人信息", effective_on=timezone.localdate(), user=user, reason=f"{labels}：{reason}")
    return case


@transaction.atomic
def case_split(*, case, descriptions, user=None) -> Case:
    """一事一申请: replace the items (before any outcome), each then counted for fees."""
    case = _lock(case)
    if user is not None and not selectors.can_handle(user=user, case=case):
        raise PermissionDenied("无权办理其他机关的申请。")
    descriptions = [d.strip() for d in descriptions if d.strip()]
    if not case.is_open or case.fee_notice_on is not None or case.replied_on is not None:
        raise TransitionNotAllowed("已收费或已答复的申请不能再拆分。")
    if not descriptions:
        raise ValidationError({"descriptions": "请至少填写一个事项。"})
    case.items.all().delete()
    for position, description in enumerate(descriptions, start=1):
        CaseItem.objects.create(case=case, position=position, description=description)
    _event(case, action="拆分事项", effective_on=timezone.localdate(), user=user, reason=f"{len(descriptions)}项")
    return case


@transaction.atomic
def case_publish(*, case, request_text, reply_text, user=None) -> Case:
    """Publish the redacted request and reply: only with the applicant's consent, after the reply."""
    case = _lock(case)
    _check_publisher(case, user)
    if not case.consents_publication:
        raise ValidationError("申请人未同意公开答复内容，不能公开。")
    if case.is_open:
        raise ValidationError("答复后才能公开。")
    errors = {}
    if not (request_text or "").strip():
        errors["request_text"] = "请填写隐私处理后的申请内容。"
    if not (reply_text or "").strip():
        errors["reply_text"] = "请填写隐私处理后的答复内容。"
    sought = _particulars_sought(case)
    for field, text in (("request_text", request_text), ("reply_text", reply_text)):
        if found := _personal_data_in(case, text, sought):
            errors.setdefault(field, f"公开内容仍含{found}，请先作隐私处理。")
    if errors:
        raise ValidationError(errors)
    case.public_request_text, case.public_reply_text = request_text.strip(), reply_text.strip()
    case.published_at = timezone.now()
    _save(case, user=user, reason="隐私处理后公开")
    _event(case, action="公开", effective_on=timezone.localdate(), user=user)
    return case


@transaction.atomic
def reanswer_publish(*, case, reply_text, user=None) -> Case:
    """Publish the redacted new answer of the latest answered 重新答复 round of a published case:
    its page shows that the answer was given again from the moment the round opens, and this
    text, checked as the first answer's was, once staff have redacted it."""
    case = _lock(case)
    _check_publisher(case, user)
    if not case.is_published:
        raise ValidationError("请先公开首次答复（隐私处理后公开），再公开重新答复。")
    round_ = selectors.latest_answered_reanswer(case)
    if round_ is None:
        raise ValidationError("本件还没有作出重新答复。")
    text = (reply_text or "").strip()
    if not text:
        raise ValidationError({"reply_text": "请填写隐私处理后的重新答复内容。"})
    if found := _personal_data_in(case, text):
        raise ValidationError({"reply_text": f"公开内容仍含{found}，请先作隐私处理。"})
    round_.public_text = text
    round_._history_user = user if user is not None and getattr(user, "is_authenticated", False) else None
    round_.save(update_fields=["public_text"])
    _event(case, action="公开重新答复", effective_on=timezone.localdate(), user=user)
    return case


def _check_publisher(case, user):
    """Text on the public site: the case's own agency's 终审 publishes it (`user=None`: the system)."""
    if user is not None and not selectors.can_handle(user=user, case=case):
        raise PermissionDenied("无权办理其他机关的申请。")
    if user is not None and not selectors.may_publish(user):
        raise PermissionDenied("公开隐私处理后的申请和答复须由终审审核员操作。")


class _Sought(NamedTuple):
    whose: str  # 申请人 / 申请人此前登记的 / 征求意见第三方的
    particular: Found
    shown: str = ""  # masked: a message must not repeat it
    unless: tuple = ()  # particulars that, if found, say it already (a whole party and its parts)


def _particulars_sought(case) -> list[_Sought]:
    """Every particular the case has had: the applicant's now (named by label only: staff have
    them on the case page); before a correction or an edit (the history rows: a notice or a note
    giving the name as first typed may be copied into the reply); and each third party's asked
    for its opinion (征求意见, Art. 32: its 商业秘密 and 个人隐私 are what the consultation
    protects), also as its pause read before an edit. Another agency asked is no one's personal
    data."""
    sought, now = [], {}
    for field, label, kind in PARTICULARS:
        now[field] = set(particular_forms(kind, getattr(case, field)))
        sought.append(_Sought("申请人", Found(label, kind, getattr(case, field))))
    fields = [field for field, _, _ in PARTICULARS]
    for row in Case.history.model.objects.filter(id=case.pk).only("history_id", *fields).order_by("history_id"):
        for field, label, kind in PARTICULARS:
            value = getattr(row, field)
            forms = set(particular_forms(kind, value))
            if forms and not forms <= now[field]:
                sought.append(_Sought("申请人此前登记的", Found(label, kind, value), masked(kind, value)))
    parties = [
        *case.pauses.filter(kind=Pause.Kind.THIRD_PARTY).values_list("party", flat=True),
        *Pause.history.model.objects.filter(case_id=case.pk, kind=Pause.Kind.THIRD_PARTY).values_list(
            "party", flat=True
        ),
    ]
    for party in dict.fromkeys(parties):
        found = party_particulars(party)
        if not found:
            continue
        *parts, whole = found  # the whole as typed last: named only when none of its parts is
        sought += [_Sought("征求意见第三方的", part, masked(part.kind, part.value)) for part in parts]
        sought.append(_Sought("征求意见第三方的", whole, masked(whole.kind, whole.value), tuple(parts)))
    return sought


def _personal_data_in(case, text, sought=None) -> str:
    """Whose particulars `text` holds, and which, in any usual spelling ("" if none), for a
    message to staff: “申请人电话、地址；征求意见第三方的联系人（李*）”."""
    haystack = Haystack(text)
    found = {}
    for whose, particular, shown, unless in _particulars_sought(case) if sought is None else sought:
        if haystack.holds(particular.kind, particular.value) and not any(
            haystack.holds(other.kind, other.value) for other in unless
        ):
            found.setdefault(whose, {})[f"{particular.label}（{shown}）" if shown else particular.label] = None
    return "；".join(whose + "、".join(labels) for whose, labels in found.items())


PROMOTED_TOPIC = "依申请公开转主动公开"


@transaction.atomic
def case_promote_to_catalogue(*, case, user=None, title="") -> Case:
    """依申请公开转主动公开: the published (redacted) reply becomes a draft record in the
    catalogue, which the catalogue's reviewers then publish as any other record."""
    from disclosures.models import DisclosureRecord, Genre, Topic

    case = _lock(case)
    if user is not None and not selectors.can_handle(user=user, case=case):
        raise PermissionDenied("无权办理其他机关的申请。")
    if not case.is_published:
        raise ValidationError("请先作隐私处理并公开答复，再转为主动公开。")
    if case.promoted_record_id:
        raise ValidationError("本件已转为主动公开。")
    # The name the applicant gave the request often names them (“张三本人的社保记录”): the
    # record is named afresh by staff, and checked as the published texts are.
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写记录名称：按公开的内容命名，不要沿用申请人填写的“所需信息”。"})
    if found := _personal_data_in(case, title):
        raise ValidationError({"title": f"记录名称含{found}，请先作隐私处理。"})
    record = DisclosureRecord(
        title=title,
        publisher=case.agency,
        drafting_org=case.agency,
        topic=Topic.objects.get_or_create(name=PROMOTED_TOPIC, defaults={"position": 1000})[0],
        genre=Genre.objects.get_or_create(name="其他", defaults={"is_official_document": False})[0],
        written_date=case.replied_on,
        body="".join(f"<p>{line}</p>" for line in _escape_lines(case.public_reply_text)),
    )
    record.full_clean()
    record._history_user = user if user is not None and getattr(user, "is_authenticated", False) else None
    record.save()
    case.promoted_record = record
    _save(case, user=user, reason="转为主动公开（草稿）")
    _event(case, action="转为主动公开", effective_on=timezone.localdate(), user=user, reason=record.title)
    return case


def _escape_lines(text):
    from django.utils.html import escape

    return [escape(line) for line in text.splitlines() if line.strip()]


def _recompute_waiting(case, calendar) -> bool:
    """The other side's date for the open pause (补正, payment, a third party's opinion), in
    working days by the new calendar. Only ever later: the notice told them a date, and a
    calendar change must not close a case as 逾期 before it. Returns True when it moved."""
    pause = case.pauses.filter(ended_on__isnull=True).order_by("-started_on").first()
    if pause is None or case.waiting_until is None:
        return False
    recomputed = _waiting_until(pause.started_on, pause.kind, calendar)
    if recomputed is None or recomputed <= case.waiting_until:
        return False
    case.waiting_until = recomputed
    return True


def recompute_open_cases(*, reason, user=None, dates=None, period=None) -> list[tuple[str, str]]:
    """After a calendar change: recompute the open cases whose running clock spans one of
    `dates`, or reaches into `period` (first, last) (all open cases when neither), and log each
    change; returns (case number, the dates that moved, as its 期限重算 event says them). A stopped clock (due_on null) is recomputed when it restarts; its open pause's
    waiting date (the applicant's or third party's) is recomputed here."""
    from django.db.models import Q

    calendar = load_calendar()
    changes = []
    cases = Case.objects.open()
    # A paused case: the days after its open pause began, up to its waiting date.
    waiting = Q(waiting_until__isnull=False, pauses__ended_on__isnull=True)
    if dates:
        spans = Q()
        for day in dates:
            spans |= Q(clock_start__lt=day, due_on__gte=day)
            spans |= waiting & Q(pauses__started_on__lt=day, waiting_until__gte=day)
        cases = cases.filter(spans)
    if period:
        cases = cases.filter(
            Q(clock_start__lte=period[1], due_on__gte=period[0])
            | waiting & Q(pauses__started_on__lte=period[1], waiting_until__gte=period[0])
        )
    for pk in cases.distinct().values_list("pk", flat=True).iterator():
        with transaction.atomic():
            case = _lock(Case(pk=pk))
            if not case.is_open:
                continue  # closed since it was listed: it keeps the deadline it was answered against
            before, waiting_before, exact_before = case.due_on, case.waiting_until, case.due_exact
            due_moved = _recompute(case, calendar) or case.due_on != before
            waiting_moved = _recompute_waiting(case, calendar)
            if due_moved or waiting_moved:
                _save(case, user=user, reason=f"期限重算：{reason}")
                if due_moved and case.state == Case.State.REANSWERING:
                    # The open round's deadline is the case's: shown to the applicant and staff,
                    # and its new answer is judged on time against it (case_reanswer).
                    for round_ in case.reanswers.filter(replied_on__isnull=True):
                        round_.due_on, round_.due_inputs = case.due_on, case.due_inputs
                        round_._change_reason = f"期限重算：{reason}"[:100]
                        round_.save(update_fields=["due_on", "due_inputs"])
                moved = [f"{before or '—'} → {case.due_on or '—'}"] if due_moved else []
                if due_moved and before == case.due_on and exact_before != case.due_exact:
                    # A year confirmed (or unconfirmed) often moves no date: say what changed.
                    moved = [f"{case.due_on}（日期不变，{'不再暂定' if case.due_exact else '改为暂定'}）"]
                if waiting_moved:
                    moved.append(f"申请人或第三方期限 {waiting_before} → {case.waiting_until}")
                _event(
                    case,
                    action=selectors.RECOMPUTE_EVENT,
                    effective_on=timezone.localdate(),
                    user=user,
                    reason="；".join([reason, *moved]),
                )
                changes.append((case.number, "；".join(moved)))
    if changes:
        logger.warning("inforequests: calendar change (%s) moved the dates of %d cases", reason, len(changes))
    return changes
