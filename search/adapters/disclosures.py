"""Disclosure records as search documents; 索引号 and 文号 as reference numbers."""

from collections import defaultdict

from django.db.models import Q

from disclosures.models import DisclosureRecord, Organization

from ..numbers import DOCUMENT_NUMBER, INDEX_NUMBER, PROPOSAL_NUMBER, document_number_candidates
from ..registry import Document, NumberKind, SearchSource, register_number, register_source
from ..text import html_to_text


def indexable_records():
    # Published, including scheduled ones: SearchDocument.objects.public() hides those
    # until their time. Drafts and withdrawn records are never indexed.
    return DisclosureRecord.objects.filter(
        status=DisclosureRecord.Status.PUBLISHED, published_at__isnull=False
    ).select_related("publisher", "drafting_org", "topic")


def record_document(record: DisclosureRecord) -> Document:
    return Document(
        title=record.title,
        url=record.get_absolute_url(),
        published_at=record.published_at,
        body=html_to_text(record.public_body),
        fields=[("文号", record.document_number), ("索引号", record.index_number or "")],
        extra=[
            ("关键字", record.keywords),
            ("内容概述", record.summary),
            ("发布机构", record.publisher.name),
            ("成文机构", record.drafting_org.name if record.drafting_org else ""),
        ],
        publisher=record.publisher,
        topic=record.topic,
        validity=record.validity,
        record=record,
    )


def _records_of_organization(org):
    return DisclosureRecord.objects.filter(Q(publisher=org) | Q(drafting_org=org)).only("pk")


def _unique_urls(pairs) -> dict[str, str]:
    """{number: url} for numbers carried by exactly one public record (ambiguous ones stay text)."""
    urls = defaultdict(set)
    for number, index_number in pairs:
        urls[number].add(DisclosureRecord(index_number=index_number).get_absolute_url())
    return {number: found.pop() for number, found in urls.items() if len(found) == 1}


def resolve_index_numbers(candidates):
    found = DisclosureRecord.objects.published().filter(index_number__in=set(candidates))
    return _unique_urls((n, n) for n in found.values_list("index_number", flat=True))


def resolve_document_numbers(candidates):
    found = DisclosureRecord.objects.published().filter(document_number__in=set(candidates))
    return _unique_urls(found.values_list("document_number", "index_number"))


def resolve_proposal_numbers_by_title(candidates):
    """Until an app registers proposals, a reply letter is found by its title
    (关于…第102114号提案答复的函), when exactly one public record has it."""
    candidates = set(candidates)
    if not candidates:
        return {}
    query = Q()
    for number in candidates:
        query |= Q(title__contains=f"第{number}号提案")
    pairs = []
    for title, index_number in DisclosureRecord.objects.published().filter(query).values_list("title", "index_number"):
        pairs.extend((n, index_number) for n in candidates if f"第{n}号提案" in title)
    return _unique_urls(pairs)


register_source(
    SearchSource(
        key="record",
        label="政府信息",
        model=DisclosureRecord,
        indexable=indexable_records,
        document=record_document,
        dependencies={Organization: _records_of_organization},
        position=10,
    )
)
register_number(
    NumberKind(
        key="index_number",
        label="索引号",
        pattern=INDEX_NUMBER,
        resolve=resolve_index_numbers,
        position=10,
    )
)
register_number(
    NumberKind(
        key="document_number",
        label="文号",
        pattern=DOCUMENT_NUMBER,
        resolve=resolve_document_numbers,
        candidates=document_number_candidates,
        position=20,
    )
)
register_number(
    NumberKind(
        key="proposal",
        label="提案号",
        pattern=PROPOSAL_NUMBER,
        resolve=resolve_proposal_numbers_by_title,
        position=30,
    )
)
