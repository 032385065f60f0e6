"""An applicant's particulars are kept while the case's files are, then erased (个人信息保护法
Art. 47: personal information is deleted once the period it is kept for is over).

The period is INFOREQUESTS_KEEP_PARTICULARS_YEARS, counted from 1 January of the year after the
case was closed (its last answer: a 重新答复 included), as archive retention periods are; only
archived (已归档) cases are erased.
What goes, on the case and on every history row of each table:
- the name, ID and phone numbers, address, e-mail and contact person, and their digests (a
  digest of an ID number still singles its holder out);
- every one of these the case has had (before a correction too), in any usual spelling (a
  phone in groups or full-width, an ID number with a small x), wherever it stands in a stored
  text: the notices and their titles, the reply (a 重新答复's too, and its order's reason),
  staff's reasons and notes on every step of the 办理记录 and the history's change reasons; each is replaced by a marker (the name in a
  notice by （已删除）, so it reads “（已删除）：”), and the rest of the text stays. A
  correction's reason keeps only the fields corrected;
- a third party asked for its opinion (征求意见, Art. 32): whom the pause names, and that name,
  its parts and its numbers wherever they stand, the letters addressed to it included (another
  agency asked stays: it is no one's personal data).
What stays: what the 年报 and the statistics count (applicant type, channel, dates, outcome,
the kind of each pause), the request, the released documents and the texts otherwise. The case
gets a 删除申请人信息 event and a history row (the staff queue's kept tables are keyed on the
newest history row: ADR 0098). The status lookup then finds the case no more: it needs the
tail of a phone or ID number beside the 查询码, and the request may name the applicant."""

import datetime as dt
import re
from collections import defaultdict
from functools import cached_property

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_log

from .models import Case, CaseEvent, Notice, Pause, Reanswer
from .particulars import (
    CHINESE_DIGITS,
    ERASED_NAME,
    ERASED_TEXT,
    PARTICULARS,
    folded_text,
    particular_forms,
    party_particulars,
)
from .selectors import CORRECTION_EVENT, correction_fields, kept_queue_versions

ERASURE_EVENT = "删除申请人信息"
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
ERASED_REASON = (
    "申请人信息保存期限届满，已删除申请人的姓名/名称、证件号码、联系电话、通信地址和电子邮箱"
    "（告知书、答复和办理记录中的也已删除），以及征求意见第三方的名称和联系方式。"
)
BATCH = 200  # cases per transaction: a first run may find years of them


def expired_cases(*, today, years):
    """Archived cases whose particulars' period ended by `today`, not erased yet: closed in a
    year Y, kept until 1 January of Y + 1 + `years`. A case answered again (重新答复) closed
    with its last answer: the new answer is addressed to the same applicant, and a court may
    still ask about it."""
    closed_before = dt.date(today.year - years, 1, 1)
    return (
        Case.objects.filter(state=Case.State.ARCHIVED, particulars_erased_on__isnull=True, replied_on__lt=closed_before)
        .exclude(reanswers__replied_on__gte=closed_before)
        .order_by("pk")
    )


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
    history = list(
        Case.history.model.objects.filter(id__in=pks).only(
            "history_id",
            "id",
            "reply_text",
            "due_inputs",
            "history_change_reason",
            *(field for field, _, _ in PARTICULARS),
        )
    )
    # Every particular the case has had: a notice issued before a correction gives the name as
    # first typed, and staff's notes quote what was true then.
    scrubbers = _scrubbers(
        applicants=[(row.id, row) for row in (*history, *cases)],
        parties=[
            *Pause.objects.filter(case__in=pks, kind=Pause.Kind.THIRD_PARTY).values_list("case_id", "party"),
            *Pause.history.model.objects.filter(case_id__in=pks, kind=Pause.Kind.THIRD_PARTY).values_list(
                "case_id", "party"
            ),
        ],
    )
    Case.objects.filter(pk__in=pks).update(**ERASED, particulars_erased_on=today)
    Case.history.model.objects.filter(id__in=pks).update(**ERASED, particulars_erased_on=today)
    Pause.objects.filter(case__in=pks, kind=Pause.Kind.THIRD_PARTY).update(party=ERASED_TEXT)
    Pause.history.model.objects.filter(case_id__in=pks, kind=Pause.Kind.THIRD_PARTY).update(party=ERASED_TEXT)
    # The reply is addressed to the applicant; the deadline's inputs name whom the agency asked
    # (clock.case_pauses); a change's reason on a history row is the transition's reason cut at
    # 100 characters, so a particular may stand cut at its end.
    _scrub_rows(cases, "id", ["reply_text", "due_inputs"], scrubbers)
    _scrub_rows(history, "id", ["reply_text", "due_inputs", "history_change_reason"], scrubbers)
    for model in (Notice, Notice.history.model):
        notices = model.objects.filter(case_id__in=pks).only("pk", "case_id", "title", "body")
        _scrub_rows(notices, "case_id", ["title", "body"], scrubbers, name_marker=ERASED_NAME)
    # A 重新答复's new answer is addressed to the applicant as the first is; its order's reason
    # may quote them or the party asked.
    for model in (Reanswer, Reanswer.history.model):
        rounds = model.objects.filter(case_id__in=pks).only("pk", "case_id", "reason", "reply_text")
        _scrub_rows(rounds, "case_id", ["reason", "reply_text"], scrubbers)
    for model in (CaseEvent, CaseEvent.history.model):
        events = model.objects.filter(case_id__in=pks).only("pk", "case_id", "action", "reason")
        _scrub_rows(events, "case_id", ["reason"], scrubbers)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, action=ERASURE_EVENT, to_state=case.state, effective_on=today, reason=ERASED_REASON)
        for case in cases
    )
    # A history row for the change, as every save writes one: the staff queue's kept tables are
    # keyed on the newest (selectors.queue_version), and update() above wrote none.
    for case in cases:
        for field, value in {**ERASED, "particulars_erased_on": today}.items():
            setattr(case, field, value)
    Case.history.bulk_history_create(cases, batch_size=BATCH, update=True, default_change_reason=ERASURE_EVENT)
    kept_queue_versions.forget_all()
    return [case.number for case in cases]


# Between the characters of a number as people write it (138 0000 0000, 138-0000-0000,
# 5301 0219…); inside a name, address or e-mail only spaces. Zero-width marks anywhere (text
# copied from a chat); identity.fold_width drops them before comparing too.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_TEXT_GAP = f"[\\s{_INVISIBLE}]*"
_NUMBER_GAP = f"[\\s{_INVISIBLE}\\-‐‑‒–—―.·/()（）]*"
_DIGITS_WRITTEN = dict(enumerate(CHINESE_DIGITS))


def _character(character, *, number):
    """A class matching `character` as typed: full-width (NFKC folds them), a digit also as
    written in Chinese (一三九…); letters in either case (the pattern is compiled IGNORECASE)."""
    alternatives = {character}
    if "!" <= character <= "~":
        alternatives.add(chr(ord(character) + 0xFEE0))
    if number and character.isdigit():
        alternatives.update(_DIGITS_WRITTEN[int(character)])
    return "[" + "".join(re.escape(c) for c in sorted(alternatives)) + "]"


def _pattern(kind, form):
    gap = _TEXT_GAP if kind == "text" else _NUMBER_GAP
    return gap.join(_character(c, number=kind != "text") for c in form)


class _Scrubber:
    """Every particular of one case in a text replaced by a marker: the longest first (an
    address that holds the name goes whole), in one pass (the marker is never searched)."""

    def __init__(self, names, others):
        # (kind, form): `names` are the applicant's (a notice reads “（已删除）：”), `others` the
        # rest and the third parties'.
        self.names = {form for _, form in names}
        forms = sorted({*names, *others}, key=lambda item: len(item[1]), reverse=True)
        alternatives = [_pattern(kind, form) for kind, form in forms if len(form) >= 2]
        # A one-character name is in many words: only where it addresses someone (“王：”).
        alternatives += [_pattern("text", form) + "(?=[:：])" for kind, form in forms if len(form) == 1]
        self.regex = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None
        self.forms = forms

    @cached_property
    def cut(self):
        """A text cut at its field's length may end in the first characters of one (compiled
        only for such a text: a long address has many)."""
        prefixes = sorted(
            {(kind, form[:n]) for kind, form in self.forms for n in range(2 if kind == "text" else 3, len(form))},
            key=lambda item: len(item[1]),
            reverse=True,
        )
        if not prefixes:
            return None
        return re.compile("(?:" + "|".join(_pattern(kind, form) for kind, form in prefixes) + r")\Z", re.IGNORECASE)

    def __call__(self, text, *, name_marker, cut):
        if isinstance(text, list):  # a JSON field's values
            return [self(value, name_marker=name_marker, cut=None) for value in text]
        if isinstance(text, dict):
            return {key: self(value, name_marker=name_marker, cut=None) for key, value in text.items()}
        if not isinstance(text, str) or not text or self.regex is None:
            return text

        def marker(match):
            return name_marker if folded_text(match.group()) in self.names else ERASED_TEXT

        was_cut = cut and len(text) >= cut
        text = self.regex.sub(marker, text)
        if was_cut and self.cut is not None and not text.endswith(ERASED_TEXT):
            text = self.cut.sub(ERASED_TEXT, text)
        return text


def _scrubbers(*, applicants, parties):
    """Per case: a _Scrubber for the applicant's particulars on each of `applicants` (case pk,
    a Case or history row) and each third party's `parties` (case pk, Pause.party)."""
    names, others = defaultdict(set), defaultdict(set)
    for pk, row in applicants:
        for field, _, kind in PARTICULARS:
            value = getattr(row, field)
            if field == "name":  # a name of one character too (see _Scrubber)
                if folded_text(value) and folded_text(value) != folded_text(ERASED_NAME):
                    names[pk].add(("text", folded_text(value)))
            else:
                others[pk].update((kind, form) for form in particular_forms(kind, value))
    for pk, party in parties:
        if not party or party == ERASED_TEXT:
            continue
        # Its name, contact person, numbers… each as well as the whole (particulars.party_particulars).
        others[pk].update(
            (kind, form) for _, kind, value in party_particulars(party) for form in particular_forms(kind, value)
        )
    return {pk: _Scrubber(names[pk], others[pk]) for pk in {*names, *others}}


def _scrub_rows(rows, case_attr, fields, scrubbers, *, name_marker=ERASED_TEXT):
    """Every particular of the row's case out of `fields`; the rows changed written in one
    statement. A correction's reason keeps only the fields it names (staff's words may quote
    the value in a way no pattern finds: “应为王小五”)."""
    model, changed = None, []
    for row in rows:
        model = type(row)
        scrub = scrubbers.get(getattr(row, case_attr))
        before = [getattr(row, field) for field in fields]
        if getattr(row, "action", None) == CORRECTION_EVENT:
            row.reason = correction_fields(row.reason)
        if scrub is not None:
            for field in fields:
                cut = getattr(model._meta.get_field(field), "max_length", None)
                setattr(row, field, scrub(getattr(row, field), name_marker=name_marker, cut=cut))
        if [getattr(row, field) for field in fields] != before:
            changed.append(row)
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=BATCH)
