"""/sitemap.xml: a sitemap index of one sitemap per section (/sitemap-<section>.xml, paged
with ?p= past SITEMAP_LIMIT URLs), listing every public page with a lastmod. Apps' pages are
added through `register_sitemap` (search/adapters), so this module stays generic."""

import datetime as dt
from pathlib import Path

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from disclosures.models import DisclosureRecord, Page
from core.pagecache import cached_value

# URLs per sitemap (the protocol allows 50,000): a sitemap is built in memory, and 10,000
# records took a worker 28 MiB and 1 s at a million records; 2,000 keep it small enough for
# the page cache (under PAGE_CACHE_MAX_BYTES) too.
SITEMAP_LIMIT = 2000

_sitemaps = {}


def register_sitemap(name, sitemap):
    _sitemaps[name] = sitemap


def sitemaps() -> dict:
    return dict(_sitemaps)


def latest_public_change():
    """When the public catalogue last changed: its newest publication or edit (an aggregate
    over every public record, 0.3 s at a million: kept until content changes)."""

    def compute():
        found = DisclosureRecord.objects.published().aggregate(published=Max("published_at"), updated=Max("updated_at"))
        moments = [m for m in found.values() if m]
        return max(moments) if moments else None

    return cached_value("sitemaps:latest-public-change", compute)


def template_changed(name):
    """A fixed page changes when its template does."""
    path = Path(get_template(name).origin.name)
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


class FixedPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            ("portal:home", latest_public_change),
            ("disclosures:catalogue", latest_public_change),
            ("disclosures:guide", lambda: Page.objects.filter(slug="guide").values_list("updated_at", flat=True).first()),
            ("disclosures:policy", lambda: Page.objects.filter(slug="policy").values_list("updated_at", flat=True).first()),
            ("portal:sitemap", lambda: template_changed("portal/sitemap.html")),
            ("portal:accessibility", lambda: template_changed("portal/accessibility.html")),
        ]

    def location(self, item):
        return reverse(item[0])

    def lastmod(self, item):
        return item[1]() or timezone.now()

    def get_latest_lastmod(self):
        return max(self.lastmod(item) for item in self.items())


class KeyRangePaginator(Paginator):
    """Sitemap pages as ranges of the primary key: page p lists the public rows with ids in
    ((p - 1) × limit, p × limit]. Django's Paginator counts every row and pages with OFFSET,
    which took 1 s for page 400 at a million records; a key range is read from the index
    however deep the page, and a record stays on its page as others are published."""

    @cached_property
    def count(self):
        # Not a count: the highest public id, so that num_pages covers every range.
        return self.object_list.aggregate(top=Max("pk"))["top"] or 0

    def page(self, number):
        number = self.validate_number(number)
        low = (number - 1) * self.per_page
        return self._get_page(self.object_list.filter(pk__gt=low, pk__lte=low + self.per_page), number, self)


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


register_sitemap("pages", FixedPagesSitemap)
register_sitemap("records", RecordSitemap)
