"""Site-wide open-data routes, mounted at the root by govportal/urls.py:
/feeds/…, /api/v1/…, /sitemap.xml and /robots.txt."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from .api import api
from .robots import robots_txt
from .sitemaps import sitemaps

urlpatterns = [
    path("feeds/", include("search.feed_urls")),
    path("api/v1/", api.urls),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": sitemaps(), "sitemap_url_name": "sitemap_section"},
         name="sitemap"),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": sitemaps()}, name="sitemap_section"),
    path("robots.txt", robots_txt, name="robots_txt"),
]
