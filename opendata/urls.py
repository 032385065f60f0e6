"""Site-wide open-data routes, mounted at the root by govportal/urls.py:
/feeds/…, /api/v1/…, /sitemap.xml and /robots.txt."""

from django.contrib.sitemaps import views as sitemap_views
from django.http import JsonResponse
from django.urls import include, path, re_path

from core.pagecache import last_modified_forward
from core.sitemaps import sitemaps

from . import api, views
from .robots import robots_txt

urlpatterns = [
    path("feeds/", include("opendata.feed_urls")),
    path("api/v1/", include((api.urlpatterns, "api-v1"))),
    # Anything else under the API (including paths no route can match, such as ones with a
    # line break) gets the API's JSON 404, not the site's HTML page.
    re_path(r"^api/v1/[\s\S]*$", lambda request: JsonResponse({"detail": "Not Found"}, status=404)),
    # Last-Modified never goes back when a record leaves the sitemaps (withdrawn or deleted).
    path(
        "sitemap.xml",
        last_modified_forward(sitemap_views.index),
        {"sitemaps": sitemaps(), "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        last_modified_forward(sitemap_views.sitemap),
        {"sitemaps": sitemaps()},
        name="sitemap_section",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    # The catalogue as CSV, at the address it has always had.
    path("search/export/records.csv", views.records_csv, name="records_csv"),
]
