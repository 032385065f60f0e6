"""An applicant's particulars are kept while the case's files are, then erased (个人信息保护法
Art. 47: personal information is deleted once the period it is kept for is over).

The period is INFOREQUESTS_KEEP_PARTICULARS_YEARS, counted from 1 January of the year after the
case was closed, as archive retention periods are; only archived (已归档) cases are erased.
What goes: the name, ID and phone numbers, address, e-mail and contact person, on the case and
on every history row of it; their digests (a digest of an ID number still singles its holder
out); the applicant's names (before a correction too) in the notices addressed to them; and
staff's reasons for correcting the particulars (the fields corrected stay). What stays: what
the 年报 and the statistics count (applicant type, channel, dates, outcome), the request and
the reply, and the notices otherwise. The status lookup then finds the case no more: it needs the tail of a
phone or ID number beside the 查询码, and the request and reply may name the applicant."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_log

from .models import Case, CaseEvent, Notice
from .selectors import CORRECTION_EVENT, correction_fields

ERASED_NAME = "（已删除）"
ERASED = {
    "name": ERASED_NAME,
    "id_number": "",
    "phone": "",
    "address": "",
    "email": "",
    "contact_person": "",
    "applicant_key": "",
    "phone_key": "",
}
ERASED_REASON = "申请人信息保存期限届满，已删除申请人的姓名/名称、证件号码、联系电话、通信地址和电子邮箱。"
BATCH = 200  # cases per transaction: a first run may find years of them


def expired_cases(*, today, years):
    """Archived cases whose particulars' period ended by `today`, not erased yet: closed in a
    year Y, kept until 1 January of Y + 1 + `years`."""
    closed_before = dt.date(today.year - years, 1, 1)
    return Case.objects.filter(
        state=Case.State.ARCHIVED, particulars_erased_on__isnull=True, replied_on__lt=closed_before
    ).order_by("pk")


def erase_expired_particulars(*, today=None, dry_run=False) -> list[str]:
    """Erase what expired_cases names; the case numbers, in order. `dry_run`: only name them."""
    years = settings.INFOREQUESTS_KEEP_PARTICULARS_YEARS
    if years <= 0:
        return []
    today = today or timezone.localdate()
    pks = list(expired_cases(today=today, years=years).values_list("pk", flat=True))
    if dry_run:
        return list(Case.objects.filter(pk__in=pks).order_by("pk").values_list("number", flat=True))
    erased = []
    for start in range(0, len(pks), BATCH):
        erased += _erase(pks[start : start + BATCH], today)
    if erased:
        audit_log(
            None, Action.DELETE, detail=f"申请人信息保存期限（{years} 年）届满：删除了 {len(erased)} 件申请的申请人信息"
        )
    return erased


@transaction.atomic
def _erase(pks, today):
    # Re-read under lock: a case reopened or erased by another run meanwhile is left alone.
    cases = list(
        expired_cases(today=today, years=settings.INFOREQUESTS_KEEP_PARTICULARS_YEARS)
        .filter(pk__in=pks)
        .select_for_update()
    )
    pks = [case.pk for case in cases]
    # Every name the case has had: a notice issued before a correction gives the name as first typed.
    names = {pk: set() for pk in pks}
    for pk, name in Case.history.model.objects.filter(id__in=pks).values_list("id", "name"):
        names[pk].add(name)
    for case in cases:
        names[case.pk].add(case.name)
    Case.objects.filter(pk__in=pks).update(**ERASED, particulars_erased_on=today)
    Case.history.model.objects.filter(id__in=pks).update(**ERASED, particulars_erased_on=today)
    _erase_from_notices(Notice.objects.filter(case__in=pks, addressee=Notice.Addressee.APPLICANT), names)
    _erase_from_notices(
        Notice.history.model.objects.filter(case_id__in=pks, addressee=Notice.Addressee.APPLICANT), names
    )
    _erase_from_corrections(CaseEvent.objects.filter(case__in=pks, action=CORRECTION_EVENT))
    _erase_from_corrections(CaseEvent.history.model.objects.filter(case_id__in=pks, action=CORRECTION_EVENT))
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, action="删除申请人信息", to_state=case.state, effective_on=today, reason=ERASED_REASON)
        for case in cases
    )
    return [case.number for case in cases]


def _erase_from_notices(notices, names):
    """The applicant's names out of notices' text: wherever one stands when it is two characters
    or more, else only where it addresses them (a one-character name is in many words)."""
    changed = []
    for notice in notices:
        body = notice.body
        # The longest first: a name that contains another is replaced whole.
        for name in sorted(filter(None, names.get(notice.case_id, ())), key=len, reverse=True):
            body = body.replace(f"{name}：", f"{ERASED_NAME}：")
            if len(name) >= 2:
                body = body.replace(name, ERASED_NAME)
        if body != notice.body:
            notice.body = body
            changed.append(notice)
    notices.model.objects.bulk_update(changed, ["body"], batch_size=BATCH)


def _erase_from_corrections(events):
    """A correction of the particulars keeps the fields it names, not staff's reason: it may
    quote the value (“应为王小五”)."""
    changed = []
    for event in events:
        reason = correction_fields(event.reason)
        if reason != event.reason:
            event.reason = reason
            changed.append(event)
    events.model.objects.bulk_update(changed, ["reason"], batch_size=BATCH)
