"""The catalogue's records in /sitemap.xml (registered in hooks.py)."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from core.pagecache import cached_value
from core.sitemaps import SITEMAP_LIMIT, KeyRangePaginator

from .models import DisclosureRecord
from .selectors import record_removals


def latest_public_change():
    """When the public catalogue last changed: its newest publication, edit, withdrawal or
    deletion (an aggregate over every public record, 0.3 s at a million: kept until content
    changes). The sitemaps' Last-Modified is moved forward to the page cache's generation too
    (opendata/urls.py), which any change starts."""

    def compute():
        found = DisclosureRecord.objects.published().aggregate(published=Max("published_at"), updated=Max("updated_at"))
        moments = [m for m in found.values() if m] + list(record_removals("publisher").values())
        return max(moments) if moments else None

    return cached_value("sitemaps:latest-public-change", compute)


class RecordSitemap(Sitemap):
    changefreq = "monthly"
    limit = SITEMAP_LIMIT

    def items(self):
        return DisclosureRecord.objects.published().only("index_number", "updated_at", "published_at").order_by("pk")

    @property
    def paginator(self):
        return KeyRangePaginator(self.items(), self.limit)

    def lastmod(self, record):
        return max(record.updated_at, record.published_at)

    def get_latest_lastmod(self):
        # For the index: one aggregate, not a walk over every record.
        return latest_public_change()
