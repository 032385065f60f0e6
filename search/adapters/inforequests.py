"""依申请公开 answers published after the applicant's consent and staff's redaction
(inforequests.Case.objects.published()) as search documents, and their 申请编号 as a reference
number: a citizen who reads an answer's number, or a word of what was asked, finds the page.

A document holds only what that public page shows: the redacted request and answers, the
agency and the outcome. The applicant's particulars are never loaded (they are encrypted
fields, and no search document may hold them)."""

import re

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from disclosures.models import Organization
from inforequests.models import Case, Outcome, Reanswer
from inforequests.selectors import REANSWER_PUBLIC_FIELDS, answer_in_force

from ..registry import Document, NumberKind, SearchSource, register_number, register_source

PUBLIC_FIELDS = (
    "number",
    "agency",
    "agency__name",
    "outcome",
    "public_request_text",
    "public_reply_text",
    "published_at",
)


def indexable_cases():
    return (
        Case.objects.published()
        .select_related("agency")
        # Only what the page shows: not the unredacted new answer, the order's reason, its clock.
        .prefetch_related(Prefetch("reanswers", Reanswer.objects.only(*REANSWER_PUBLIC_FIELDS)))
        .only(*PUBLIC_FIELDS, "consents_publication")
    )


def case_url(number: str) -> str:
    return reverse("inforequests:published", args=[number])


def case_document(case: Case) -> Document:
    rounds = list(case.reanswers.all())  # in their order, as the page lists them
    in_force = answer_in_force(rounds)
    outcome = in_force.outcome if in_force else case.outcome
    texts = [case.public_request_text, case.public_reply_text, *(r.public_text for r in rounds)]
    return Document(
        title=f"依申请公开答复 {case.number}（{case.agency.name}）",
        url=case_url(case.number),
        published_at=case.published_at,
        body="\n".join(t for t in texts if t),
        fields=[("申请编号", case.number)],
        extra=[("答复机关", case.agency.name), ("办理结果", Outcome(outcome).label if outcome else "")],
        publisher=case.agency,
    )


register_source(
    SearchSource(
        key="inforequest",
        label="依申请公开答复",
        model=Case,
        indexable=indexable_cases,
        document=case_document,
        dependencies={
            Reanswer: lambda reanswer: Case.objects.filter(pk=reanswer.case_id).only("pk"),
            Organization: lambda org: Case.objects.published().filter(agency=org).only("pk"),
        },
        position=40,
        rank_boost=0.8,
    )
)


def case_number_pattern(pattern: str) -> re.Pattern:
    """The numbers INFOREQUESTS_CASE_NUMBER_PATTERN issues (GD-YSQ-{year}-{serial:05d}), as a
    regular expression: its text as it is, the year four digits, the serial any digits."""
    parts = re.split(r"(\{year\}|\{serial(?::[^}]*)?\})", pattern)
    body = "".join(
        r"\d{4}" if part == "{year}" else r"\d{1,10}" if part.startswith("{serial") else re.escape(part)
        for part in parts
    )
    return re.compile(rf"(?<![0-9A-Za-z])(?P<number>{body})(?![0-9A-Za-z])")


def resolve_case_numbers(candidates):
    """申请编号 → the published answer's page. A case that is not published resolves to
    nothing, as a number that was never issued does: the lookup tells no one it exists."""
    found = Case.objects.published().filter(number__in=candidates).values_list("number", flat=True)
    return {number: case_url(number) for number in found}


register_number(
    NumberKind(
        key="inforequest",
        label="申请编号",
        pattern=case_number_pattern(settings.INFOREQUESTS_CASE_NUMBER_PATTERN),
        resolve=resolve_case_numbers,
        position=40,
    )
)
