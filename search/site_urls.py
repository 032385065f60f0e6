"""Site-wide open-data routes, mounted at the root by govportal/urls.py:
/feeds/…, /api/v1/…, /sitemap.xml and /robots.txt."""

from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from .api import api
from .robots import robots_txt
from .sitemaps import sitemaps

urlpatterns = [
    path("feeds/", include("search.feed_urls")),
    path("api/v1/", api.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps()}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
]
