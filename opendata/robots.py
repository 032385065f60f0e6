"""/robots.txt: crawl the pages, not the endless search and filter combinations."""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

DISALLOW = ["/admin/", "/search/", "/preferences/", "/api/"]


@require_safe  # HEAD as GET: the page cache answers HEAD from a stored copy anyway
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOW),
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
