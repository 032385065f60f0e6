from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property

from core.sitemaps import template_changed
from disclosures.models import DisclosureRecord
from disclosures.selectors import record_removals

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
        """Each agency's newest public change (one aggregate for all agencies): an edit, a
        publication, which a scheduled record's comes with no save (as RecordSitemap.lastmod),
        or a withdrawal or deletion, which takes a record off its pages."""
        rows = (
            DisclosureRecord.objects.published()
            .exclude(publisher__section_code=None)
            .values("publisher__section_code")
            .annotate(updated=Max("updated_at"), published=Max("published_at"))
        )
        changes = dict(record_removals("publisher__section_code"))
        for row in rows:
            code = row["publisher__section_code"]
            changes[code] = max(filter(None, (row["updated"], row["published"], changes.get(code))))
        return changes

    def lastmod(self, item):
        layout = template_changed("agencies/home.html")
        latest = self._changes.get(item[0])
        return max(latest, layout) if latest else layout

    def get_latest_lastmod(self):
        return max((self.lastmod(item) for item in self.items()), default=template_changed("agencies/home.html"))
