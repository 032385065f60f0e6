import hashlib
import mimetypes
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.html import escape
from django.utils.http import content_disposition_header, http_date
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import pagecache
from core.http import bad_request_page, labelled_errors
from core.pages import PageMeta, in_section, render_page
from core.rendering import keep_response, render_kept

from . import registry, selectors, services
from .bots import is_crawler
from .office import clean_office_html, is_office_html
from .registry import transform_body
from .sanitize import sanitize_html

PAGE_SIZE = 20
FONT_SIZES = {"large": "大", "medium": "中", "small": "小"}
CATALOGUE = PageMeta(name="政府信息公开目录", type="信息公开目录")


@keep_response
def catalogue(request):
    filterset = selectors.record_list(filters=request.GET)
    if not filterset.is_valid():
        return bad_request_page(request, "筛选条件无效", labelled_errors(filterset.form), page_name=CATALOGUE.name)
    page = selectors.record_page(filterset=filterset, params=request.GET, size=PAGE_SIZE)
    return render_page(
        request,
        "disclosures/catalogue.html",
        CATALOGUE,
        {
            "filterset": filterset,
            "page": page,
            "facets": selectors.catalogue_facets(),
            "query_string": page.base_query,
        },
    )


def record_detail(request, index_number):
    record = selectors.record_get_public(index_number=index_number)
    # 浏览次数 = the stored count + views buffered since the last flush (no write per view).
    crawler = is_crawler(request.META.get("HTTP_USER_AGENT", ""))
    view_count = services.record_count_view(record_id=record.pk, crawler=crawler)
    # Served from the page cache, the same hook counts the view and fills the count in.
    pagecache.on_hit(request, "disclosures.services.record_count_cached_view", record.pk)
    # Conditional GET: the page changes when the record or anything site-wide does (a new
    # generation). A reader's own view changes the count, so only crawlers (not counted) get a 304.
    etag, last_modified = _record_validators(request, record)
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified) if crawler else None
    if not_modified is not None:
        return _with_validators(not_modified, etag, last_modified)
    response = render_kept(
        request,
        "disclosures/record_detail.html",
        lambda: _record_context(request, record),
        vary=(record.pk, request.path, request.META.get("QUERY_STRING", ""), request.reader.cache_key),
        holes={"view_count": view_count},
    )
    return _with_validators(response, etag, last_modified)


def record_preview(request, pk):
    """A draft's (or pending or scheduled record's) page exactly as readers will see it, in
    the reader's own reading mode, marked 预览: for staff of its agency, or anyone with a signed
    link that has not expired. Never stored by the page cache or a browser, never indexed,
    never counted as a view."""
    token = request.GET.get("token", "")
    if not token and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    try:
        record, via_link = selectors.record_for_preview(pk=pk, user=request.user, token=token)
    except selectors.PreviewLinkExpired:
        response = render_page(
            request,
            "disclosures/preview_expired.html",
            PageMeta(name="预览链接已过期"),
            {"hours": settings.DISCLOSURE_PREVIEW_LINK_HOURS},
            status=403,
        )
        return _preview_headers(request, response)
    if via_link and record.is_public:
        return redirect(record.get_absolute_url())
    if record.published_at is None:
        # As it will look if published now (the 发布日期 is set then; the 索引号 shows as pending).
        record.published_at = timezone.now().replace(second=0, microsecond=0)
    context = _record_context(request, record)
    context.update(
        {
            "view_count": record.view_count,  # the stored count: a preview is not a view
            "preview": {"via_link": via_link, "status": _preview_status(record), "stage": record.review_stage_label},
            "keep_query": "&" + urlencode({"token": token}) if via_link else "",
        }
    )
    if via_link:  # the record's files (listed, and images in the body) open with the same link
        query = "?" + urlencode({"token": token})
        context["attachment_query"] = query
        context["body"] = mark_safe(_ATTACHMENT_URL.sub(lambda m: f"{m.group(0)}{escape(query)}", context["body"]))
    return _preview_headers(request, render(request, "disclosures/record_preview.html", context))


_ATTACHMENT_URL = re.compile(r"/disclosures/attachments/\d+/(?=[\"'])")


def _preview_status(record):
    if record.is_scheduled:
        return f"定时于 {timezone.localtime(record.published_at):%Y-%m-%d %H:%M} 发布"
    return record.get_status_display()


def _preview_headers(request, response):
    pagecache.skip(request)
    add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    return response


def _record_context(request, record):
    """Worked out only when the page is rendered (once per generation and `vary`): apps may
    mark up the body for this query string (a cited sentence)."""
    font_size = request.GET.get("size", "")
    meta = in_section(
        "政府信息公开", "disclosures:catalogue", (record.title, None), name="政府信息公开", type="信息公开目录"
    )
    return {
        "record": record,
        "font_size": font_size if font_size in FONT_SIZES else "",
        "font_sizes": FONT_SIZES,
        "column": meta,
        "crumbs": meta.crumbs,
        "article": {
            "title": record.title,
            "pub_date": record.published_at,
            "source": (record.drafting_org or record.publisher).name,
        },
        "body": transform_body(record, request.GET),
        # The publisher's own form, else the one where the applicant picks the agency.
        "apply_url": (registry.application_link(record.publisher) or registry.application_link(None))
        if record.disclosure_mode == "on_request"
        else None,
        "related_panels": selectors.record_related_panels(record=record),
    }


def _record_validators(request, record):
    state = pagecache.current_state()
    variant = f"{request.META.get('QUERY_STRING', '')}|{request.reader.cache_key}|{state['gen']}"
    # The banner of a record no longer valid links its successor from the successor's
    # publication time, which may be scheduled: no save starts a generation then, so that
    # time is a change of this page. So are the times the document a 解读 interprets and a
    # document's 解读 went public.
    successor = record.public_successor if record.validity != record.Validity.VALID else None
    linked = [successor, record.public_interpreted, *record.public_interpretations]
    changed = max([record.updated_at, *(other.published_at for other in linked if other is not None)])
    etag = '"r%d-%d-%s"' % (record.pk, changed.timestamp(), hashlib.md5(variant.encode()).hexdigest()[:16])
    return etag, pagecache.last_modified(changed.timestamp())


def _with_validators(response, etag, last_modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    return response


@keep_response
def guide(request):
    page = selectors.page_get(slug="guide")
    return render_page(
        request,
        "disclosures/guide.html",
        PageMeta(name="政府信息公开指南", type="信息公开指南"),
        {
            "page": page,
            "facets": selectors.catalogue_facets(),
            "apply_url": registry.application_link(None),
        },
    )


@keep_response
def policy(request):
    page = selectors.page_get(slug="policy")
    return render_page(
        request, "disclosures/page.html", PageMeta(name="政府信息公开制度", type="信息公开制度"), {"page": page}
    )


def attachment_download(request, pk):
    """An attachment, after the access check (selectors.attachment_get_for). Under nginx the
    app only answers with X-Accel-Redirect (ATTACHMENT_ACCEL_PREFIX) and nginx sends the bytes
    from an internal location; without it (make run) Django streams the file itself."""
    attachment = selectors.attachment_get_for(pk=pk, user=request.user, token=request.GET.get("token", ""))
    prefix = settings.ATTACHMENT_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=attachment_content_type(attachment.file.name))
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + attachment.file.name
    else:
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("附件文件缺失") from None
        response = FileResponse(handle, content_type=attachment_content_type(attachment.file.name))
    response["Content-Disposition"] = content_disposition_header(True, attachment.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser were made to render the file, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Revalidated every time: once a record is withdrawn its files must stop at once.
    response["Cache-Control"] = "private, no-cache" if not attachment.record.is_public else "public, no-cache"
    pagecache.skip(request)
    return response


def attachment_content_type(name):
    content_type, _ = mimetypes.guess_type(name)
    return content_type or "application/octet-stream"


@never_cache
@staff_member_required
@require_POST
def rich_text_clean(request):
    """What the admin's editor inserts when staff paste HTML (from Word, WPS or a web page): the
    cleaning a save does (disclosures.sanitize), so what staff see after pasting is what is kept,
    with notes on what could not come along (images that exist only on the author's computer)."""
    html, notes = request.POST.get("html", ""), []
    if is_office_html(html):
        cleaned = clean_office_html(html)
        html, notes = cleaned.html, cleaned.notes
    return JsonResponse({"html": sanitize_html(html), "notes": notes})
