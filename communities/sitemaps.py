"""The 社区治理 pages in /sitemap.xml (registered in hooks.py)."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from disclosures.sitemaps import latest_public_change

from .models import Designation, Fact, Metric, Program, Street


def _sources_changed(*querysets):
    """When the public content of a page last changed: the newest of its source records, a
    withdrawn one's withdrawal included (its last save, after its publication time)."""
    moments = []
    for qs in querysets:
        found = qs.aggregate(published=Max("source_record__published_at"), updated=Max("source_record__updated_at"))
        moments += [m for m in found.values() if m]
    return max(moments) if moments else None


class CommunitiesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        # Not only public rows: a row leaves its pages when its source is withdrawn, and their
        # date must move forward then, not back to the newest row left.
        facts, designations = Fact.objects.public_or_withdrawn(), Designation.objects.public_or_withdrawn()
        pages = [
            (reverse("communities:index"), (facts, designations)),
            (reverse("communities:fact_list"), (facts,)),
            (reverse("communities:program_list"), (designations,)),
        ]
        pages += [
            (
                s.get_absolute_url(),
                (facts.filter(Q(street=s) | Q(community__street=s)), designations.filter(community__street=s)),
            )
            for s in Street.objects.all()
        ]
        pages += [(p.get_absolute_url(), (designations.filter(program=p),)) for p in Program.objects.all()]
        pages += [(m.get_absolute_url(), (facts.filter(metric=m),)) for m in Metric.objects.all()]
        overall = _sources_changed(facts, designations) or latest_public_change()
        return [(url, _sources_changed(*qs) or overall) for url, qs in pages]

    def location(self, item):
        return item[0]

    def lastmod(self, item):
        return item[1]
