"""The site's fixed pages in /sitemap.xml (registered in apps.py)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone

from core.sitemaps import template_changed
from disclosures.models import Page
from disclosures.sitemaps import latest_public_change


class FixedPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            ("portal:home", latest_public_change),
            ("disclosures:catalogue", latest_public_change),
            (
                "disclosures:guide",
                lambda: Page.objects.filter(slug="guide").values_list("updated_at", flat=True).first(),
            ),
            (
                "disclosures:policy",
                lambda: Page.objects.filter(slug="policy").values_list("updated_at", flat=True).first(),
            ),
            ("portal:sitemap", lambda: template_changed("portal/sitemap.html")),
            ("portal:accessibility", lambda: template_changed("portal/accessibility.html")),
        ]

    def location(self, item):
        return reverse(item[0])

    def lastmod(self, item):
        return item[1]() or timezone.now()

    def get_latest_lastmod(self):
        return max(self.lastmod(item) for item in self.items())
