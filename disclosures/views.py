from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from portal.errors import bad_request_page

from . import selectors, services
from .bots import is_crawler
from .registry import transform_body

PAGE_SIZE = 20
FONT_SIZES = {"large": "大", "medium": "中", "small": "小"}


def parse_page_number(request, param="page"):
    """A page number from the query string; junk, zero or negative → 404, never a 500."""
    raw = request.GET.get(param, "1")
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise Http404("页码无效")
    return int(raw)


def catalogue(request):
    filterset = selectors.record_list(filters=request.GET)
    if not filterset.is_valid():
        return bad_request_page(request, "筛选条件无效", filterset.errors)
    page_number = parse_page_number(request)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    if page_number > paginator.num_pages:
        raise Http404("页码超出范围")
    page = paginator.page(page_number)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "disclosures/catalogue.html", {
        "filterset": filterset,
        "page": page,
        "facets": selectors.catalogue_facets(),
        "query_string": query.urlencode(),
        "column": {"name": "政府信息公开目录", "type": "信息公开目录"},
    })


def record_detail(request, index_number):
    record = selectors.record_get_public(index_number=index_number)
    if not is_crawler(request.META.get("HTTP_USER_AGENT", "")):
        services.record_count_view(record=record)
        record.view_count += 1
    # Display only, never saved: apps may mark up the body for this request (a cited sentence).
    record.body = transform_body(record, request.GET)
    font_size = request.GET.get("size", "")
    if font_size not in FONT_SIZES:
        font_size = ""
    return render(request, "disclosures/record_detail.html", {
        "record": record,
        "font_size": font_size,
        "font_sizes": FONT_SIZES,
        "column": {"name": "政府信息公开", "type": "信息公开目录"},
        "article": {
            "title": record.title,
            "pub_date": record.published_at,
            "source": (record.drafting_org or record.publisher).name,
        },
        "related_panels": selectors.record_related_panels(record=record),
        "crumbs": [("政府信息公开", reverse("disclosures:catalogue")), (record.title, None)],
    })


def guide(request):
    page = selectors.page_get(slug="guide")
    return render(request, "disclosures/guide.html", {
        "page": page,
        "facets": selectors.catalogue_facets(),
        "column": {"name": "政府信息公开指南", "type": "信息公开指南"},
    })


def policy(request):
    page = selectors.page_get(slug="policy")
    return render(request, "disclosures/page.html", {
        "page": page,
        "column": {"name": "政府信息公开制度", "type": "信息公开制度"},
    })
