from pathlib import PurePosixPath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from core.http import READER_REPLAY
from core.navigation import section_children, site_sections
from core.pages import PageMeta, render_page
from core.rendering import keep_response
from disclosures import selectors as disclosure_selectors

from .models import SITE_IMAGE_CONTENT_TYPES, SiteSettings
from .preferences import COOKIE_MAX_AGE, COOKIE_NAME


@keep_response
def home(request):
    return render_page(
        request,
        "portal/home.html",
        PageMeta(name="首页", type="首页"),
        {
            "latest_records": disclosure_selectors.record_latest(limit=10),
            "disclosure_entries": section_children("disclosures:catalogue"),
        },
    )


@keep_response
def sitemap_page(request):
    return render_page(request, "portal/sitemap.html", PageMeta(name="网站地图"), {"sections": site_sections()})


@keep_response
def accessibility_statement(request):
    return render_page(request, "portal/accessibility.html", PageMeta(name="无障碍声明"))


@require_safe
def site_image(request, name):
    """The site's logo or 党政机关网站标识, by the name of the current one only: a replaced or
    removed picture is gone. Its name is new with every upload (portal.models.SiteImagePath),
    so it is kept for good."""
    image = SiteSettings.current().image_named(name)
    if image is None:
        raise Http404("没有这个图片。")
    try:
        handle = image.storage.open(image.name)
    except OSError:
        raise Http404("没有这个图片。") from None
    # Its suffix is one the picture's bytes were checked against (portal.models.SiteImageValidator).
    response = FileResponse(
        handle,
        content_type=SITE_IMAGE_CONTENT_TYPES.get(PurePosixPath(image.name).suffix.lower(), "application/octet-stream"),
    )
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@csrf_exempt  # the forms sit in cached pages shared by every reader, so they carry no token
def preferences(request):
    """Set reader preferences from the header and toolbar forms (they work with JavaScript off;
    reader.js applies the same changes in place and writes the same cookie). Only a POST from
    this site changes anything: a GET (say, staff markup `<img src="/preferences/?elder=1">`) or
    another site's form only goes back to the page."""
    values = request.POST if request.method == "POST" else request.GET
    target = values.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    # A page's own form, sent by a preference button (components/reader_button_target.html),
    # goes back as posted (307), so the page shows again as typed (core.http.is_reader_replay).
    page_form = request.method == "POST" and values.get("reader_page_form") == "1" and _same_origin(request)
    response = (
        HttpResponseRedirect(_with_reader_flag(target), status=307)
        if page_form
        else HttpResponseRedirect(target, status=303)
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    if request.method != "POST" or not _same_origin(request):
        return response
    updated = request.reader.reset() if values.get("reset") == "1" else request.reader.updated(values)
    if updated.is_default:
        response.delete_cookie(COOKIE_NAME, samesite="Lax")
    else:
        response.set_cookie(
            COOKIE_NAME, updated.to_cookie(), max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure()
        )
    return response


def _with_reader_flag(url):
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != READER_REPLAY]
    return urlunsplit(parts._replace(query=urlencode([*query, (READER_REPLAY, "1")])))


def _same_origin(request):
    # Browsers send Origin with every form POST; a missing one is a non-browser client.
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.get_host()}"


def locked_out(request, response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): the site's page, saying
    how long and whom to ask, for the admin's login and the members' alike."""
    cool_off = get_cool_off(request)
    return render_page(
        request,
        "registration/locked_out.html",
        PageMeta(name="暂停登录"),
        {
            "failure_limit": get_failure_limit(request, credentials),
            "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
