from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property

from core.sitemaps import template_changed
from disclosures.models import DisclosureRecord

from . import selectors


class AgencySectionSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return [(code, page) for code in selectors.section_codes() for page in selectors.SECTION_PAGES]

    def location(self, item):
        code, page = item
        return reverse(f"agencies:{page}", args=[code])

    @cached_property
    def _changes(self):
        """Each agency's newest public change (one aggregate for all agencies): an edit, or a
        publication, which a scheduled record's comes with no save (as RecordSitemap.lastmod)."""
        rows = (
            DisclosureRecord.objects.published()
            .exclude(publisher__section_code=None)
            .values("publisher__section_code")
            .annotate(updated=Max("updated_at"), published=Max("published_at"))
        )
        return {row["publisher__section_code"]: max(row["updated"], row["published"]) for row in rows}

    def lastmod(self, item):
        layout = template_changed("agencies/home.html")
        latest = self._changes.get(item[0])
        return max(latest, layout) if latest else layout

    def get_latest_lastmod(self):
        return max((self.lastmod(item) for item in self.items()), default=template_changed("agencies/home.html"))
