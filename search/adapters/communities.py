"""Governance facts (communities.Fact) as search documents, and the 社区治理 pages in the sitemap.

A fact is public exactly when the record it is quoted from is, so its document takes the
record's publication time and disappears with it (withdrawn) or waits for it (scheduled)."""

from django.db.models import Q

from communities.models import Community, Fact, Metric, Street
from disclosures.models import DisclosureRecord

from ..registry import Document, SearchSource, register_source


def indexable_facts():
    return Fact.objects.filter(
        source_record__status=DisclosureRecord.Status.PUBLISHED, source_record__published_at__isnull=False
    ).select_related("metric", "street", "community__street", "source_record__publisher", "source_record__topic")


def fact_document(fact: Fact) -> Document:
    record = fact.source_record
    return Document(
        title=f"{fact.label}：{fact.display_value}（{fact.period}，{fact.scope_label}）",
        url=f"{fact.metric.get_absolute_url()}#row-{fact.anchor}",
        published_at=record.published_at,
        body=fact.sentence,
        fields=[("指标", fact.metric.name)],
        extra=[("范围", fact.scope_label), ("来源", record.title), ("来源索引号", record.index_number or "")],
        publisher=record.publisher,
        topic=record.topic,
        record=record,
    )


register_source(
    SearchSource(
        key="fact",
        label="社区治理数据",
        model=Fact,
        indexable=indexable_facts,
        document=fact_document,
        dependencies={
            DisclosureRecord: lambda record: Fact.objects.filter(source_record=record).only("pk"),
            Metric: lambda metric: Fact.objects.filter(metric=metric).only("pk"),
            Street: lambda street: Fact.objects.filter(Q(street=street) | Q(community__street=street)).only("pk"),
            Community: lambda community: Fact.objects.filter(community=community).only("pk"),
        },
        position=30,
        rank_boost=0.3,
    )
)
