"""Governance facts (communities.Fact) as search documents, and the 社区治理 pages in the sitemap.

A fact is public exactly when the record it is quoted from is, so its document takes the
record's publication time and disappears with it (withdrawn) or waits for it (scheduled)."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from communities.models import Community, Designation, Fact, Metric, Program, Street
from disclosures.models import DisclosureRecord

from ..registry import Document, SearchSource, register_source
from ..sitemaps import latest_public_change, register_sitemap


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


register_source(SearchSource(
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
))


def _sources_changed(*querysets):
    """When the public content of a page last changed: the newest of its source records."""
    moments = []
    for qs in querysets:
        found = qs.aggregate(published=Max("source_record__published_at"), updated=Max("source_record__updated_at"))
        moments += [m for m in found.values() if m]
    return max(moments) if moments else None


class CommunitiesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        facts, designations = Fact.objects.public(), Designation.objects.public()
        pages = [
            (reverse("communities:index"), (facts, designations)),
            (reverse("communities:fact_list"), (facts,)),
            (reverse("communities:program_list"), (designations,)),
        ]
        pages += [(s.get_absolute_url(), (facts.filter(Q(street=s) | Q(community__street=s)),
                                          designations.filter(community__street=s))) for s in Street.objects.all()]
        pages += [(p.get_absolute_url(), (designations.filter(program=p),)) for p in Program.objects.all()]
        pages += [(m.get_absolute_url(), (facts.filter(metric=m),)) for m in Metric.objects.all()]
        overall = _sources_changed(facts, designations) or latest_public_change()
        return [(url, _sources_changed(*qs) or overall) for url, qs in pages]

    def location(self, item):
        return item[0]

    def lastmod(self, item):
        return item[1]


register_sitemap("communities", CommunitiesSitemap)
