"""/sitemap.xml's parts with no domain knowledge: the registry through which apps announce
their sitemaps (opendata serves them as one index), the URL limit per sitemap, a paginator
that pages by key range, and a sitemap of a few pages each given with its date."""

import datetime as dt
from pathlib import Path

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max
from django.template.loader import get_template
from django.utils.functional import cached_property

# URLs per sitemap (the protocol allows 50,000): a sitemap is built in memory, and 10,000
# records took a worker 28 MiB and 1 s at a million records; 2,000 keep it small enough for
# the page cache (under PAGE_CACHE_MAX_BYTES) too.
SITEMAP_LIMIT = 2000

_sitemaps = {}


def register_sitemap(name, sitemap):
    _sitemaps[name] = sitemap


def sitemaps() -> dict:
    return dict(_sitemaps)


def template_changed(name):
    """A fixed page changes when its template does."""
    path = Path(get_template(name).origin.name)
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


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


class DatedPagesSitemap(Sitemap):
    """A few pages, each with its date: `pages()` returns [(path, last change)], read once a
    sitemap request."""

    limit = SITEMAP_LIMIT

    def pages(self) -> list:
        raise NotImplementedError

    @cached_property
    def _pages(self):
        return self.pages()

    def items(self):
        return self._pages

    def location(self, item):
        return item[0]

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        return max((moment for _, moment in self._pages), default=None)
