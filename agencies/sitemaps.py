from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors


class AgencySectionSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return [(code, page) for code in selectors.section_codes() for page in selectors.SECTION_PAGES]

    def location(self, item):
        code, page = item
        return reverse(f"agencies:{page}", args=[code])
