from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property

from core.sitemaps import template_changed
from disclosures.models import DisclosureRecord, Organization
from disclosures.selectors import record_removals

from . import selectors


class AgencySectionSitemap(Sitemap):
    """The 政府信息公开 column's list of agencies (/gk/), and each agency's section: its pages
    and each 法定主动公开内容 column (code, page) or (code, column id)."""

    changefreq = "weekly"

    def items(self):
        codes = selectors.section_codes()
        columns = selectors.column_ids()
        return [
            (None, "index"),
            *[(code, page) for code in codes for page in selectors.SECTION_PAGES],
            *[(code, column) for code in codes for column in columns],
        ]

    def location(self, item):
        code, page = item
        if code is None:
            return reverse("agencies:index")
        if isinstance(page, int):
            return reverse("agencies:column", args=[code, page])
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
        # The agency itself (its name, contacts, 上级机构) heads each of its pages.
        codes = dict(Organization.objects.exclude(section_code=None).values_list("pk", "section_code"))
        for pk, changed in Organization.history.values_list("id").annotate(changed=Max("history_date")):
            if code := codes.get(pk):
                changes[code] = max(filter(None, (changed, changes.get(code))))
        return changes

    @cached_property
    def _agencies_changed(self):
        """The newest change to any organization: the list is their tree, by name and 上级机构,
        and one taken out or renamed changes it."""
        return Organization.history.aggregate(changed=Max("history_date"))["changed"]

    def lastmod(self, item):
        if item[0] is None:  # the list of agencies: its layout, and the newest change of any
            layout = template_changed("agencies/index.html")
            latest = max(filter(None, (*self._changes.values(), self._agencies_changed)), default=None)
        else:
            layout = template_changed("agencies/home.html")
            latest = self._changes.get(item[0])
        return max(latest, layout) if latest else layout

    def get_latest_lastmod(self):
        return max((self.lastmod(item) for item in self.items()), default=template_changed("agencies/home.html"))
