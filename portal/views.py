from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.navigation import site_sections
from core.pages import PageMeta, render_page
from disclosures import selectors as disclosure_selectors

from .preferences import COOKIE_MAX_AGE, COOKIE_NAME


def home(request):
    return render_page(request, "portal/home.html", PageMeta(name="首页", type="首页"), {
        "latest_records": disclosure_selectors.record_latest(limit=10),
    })


def sitemap_page(request):
    return render_page(request, "portal/sitemap.html", PageMeta(name="网站地图"), {"sections": site_sections()})


def accessibility_statement(request):
    return render_page(request, "portal/accessibility.html", PageMeta(name="无障碍声明"))


def preferences(request):
    """Set reader preferences from the header and toolbar forms (they work with JavaScript off;
    reader.js applies the same changes in place and writes the same cookie)."""
    values = request.POST if request.method == "POST" else request.GET
    updated = request.reader.reset() if values.get("reset") == "1" else request.reader.updated(values)
    target = values.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    if updated.is_default:
        response.delete_cookie(COOKIE_NAME, samesite="Lax")
    else:
        response.set_cookie(
            COOKIE_NAME, updated.to_cookie(), max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure()
        )
    return response
