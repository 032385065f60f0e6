"""Proposal replies (proposals.Reply) as search documents, 第N号提案 as a reference number,
and the 建议提案办理 pages in the sitemap.

A reply is public while `Reply.objects.public()` says so: sent, its publication time
passed and, unless withheld, its disclosure record public. Its document therefore takes
the later of the two times, and leaves the index when the record is withdrawn."""

from collections import defaultdict

from django.db.models import Q

from disclosures.models import DisclosureRecord, Organization
from proposals.models import Member, Proposal, Reply, Session, normalize_proposal_number
from proposals.selectors import reply_public_from, reply_url

from ..numbers import PROPOSAL_NUMBER
from ..registry import Document, NumberKind, SearchSource, register_number, register_source
from ..text import html_to_text


def indexable_replies():
    return (
        Reply.objects.filter(status=Reply.Status.SENT, published_at__isnull=False)
        .filter(
            Q(publication_mode=Reply.PublicationMode.WITHHELD)
            | Q(record__status=DisclosureRecord.Status.PUBLISHED, record__published_at__isnull=False)
        )
        .select_related(
            "proposal__session__assembly",
            "proposal__lead_member",
            "answering_unit",
            "record__publisher",
            "record__topic",
            "category",
        )
    )


def reply_document(reply: Reply) -> Document:
    proposal, record = reply.proposal, reply.record
    withheld = reply.publication_mode == Reply.PublicationMode.WITHHELD
    return Document(
        title=f"{proposal.title}（{reply.answering_unit.name}答复）",
        url=reply_url(reply),
        published_at=reply_public_from(reply),
        body=html_to_text(reply.public_text),
        # Only public fields: the member's name is on the letter, never their contact details.
        fields=[("提案号", proposal.reference)],
        extra=[
            ("提案人", proposal.lead_member.name),
            ("答复单位", reply.answering_unit.name),
            ("不公开理由" if withheld else "摘要公开理由", reply.mode_reason),
        ],
        publisher=record.publisher if record and not withheld else reply.answering_unit,
        topic=record.topic if record and not withheld else None,
        record=record if not withheld else None,
    )


register_source(
    SearchSource(
        key="reply",
        label="建议提案答复",
        model=Reply,
        indexable=indexable_replies,
        document=reply_document,
        dependencies={
            DisclosureRecord: lambda record: Reply.objects.filter(record=record).only("pk"),
            Proposal: lambda proposal: Reply.objects.filter(proposal=proposal).only("pk"),
            Organization: lambda org: Reply.objects.filter(answering_unit=org).only("pk"),
            Member: lambda member: Reply.objects.filter(proposal__lead_member=member).only("pk"),
            Session: lambda session: Reply.objects.filter(proposal__session=session).only("pk"),
        },
        position=20,
        rank_boost=0.7,
        related_as="copy",
    )
)


def resolve_proposal_numbers(candidates):
    """第N号提案 → the proposal's page, when exactly one proposal has that number
    (numbers are unique per session; an ambiguous one stays text)."""
    numbers = {normalize_proposal_number(c): c for c in candidates}
    found = defaultdict(list)
    for proposal in Proposal.objects.filter(number__in=numbers).select_related("session"):
        found[proposal.number].append(proposal)
    return {numbers[n]: items[0].get_absolute_url() for n, items in found.items() if len(items) == 1}


register_number(
    NumberKind(
        key="proposal",
        label="提案号",
        pattern=PROPOSAL_NUMBER,
        resolve=resolve_proposal_numbers,
        position=30,
    )
)
