from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from core.http import bad_request_page, labelled_errors, numbered_page
from core.pages import PageMeta, render_page
from disclosures import selectors as disclosure_selectors

from . import selectors

PAGE_SIZE = 20
SECTION_TITLE = "机构信息公开"


def _meta(organization, title=None, **tags):
    crumbs = [(SECTION_TITLE, reverse("agencies:index"))]
    home = reverse("agencies:home", args=[organization.section_code])
    if title:
        crumbs += [(organization.name, home), (title, None)]
    else:
        crumbs += [(organization.name, None)]
    tags.setdefault("name", f"{organization.name}{title or '政府信息公开'}")
    return PageMeta(crumbs=tuple(crumbs), **tags)


def _context(organization, **extra):
    return {"agency": organization, "apply_url": selectors.application_url(organization=organization), **extra}


def index(request):
    meta = PageMeta(name=SECTION_TITLE, type="信息公开目录", crumbs=((SECTION_TITLE, None),))
    return render_page(request, "agencies/index.html", meta, {"tree": selectors.agency_tree()})


def home(request, code):
    organization = selectors.agency_get(code=code)
    return render_page(
        request,
        "agencies/home.html",
        _meta(organization, type="信息公开目录"),
        _context(
            organization,
            records=selectors.agency_recent_records(organization=organization),
            subunits=selectors.agency_subunits(organization=organization),
        ),
    )


def guide(request, code):
    organization = selectors.agency_get(code=code)
    return render_page(
        request,
        "agencies/guide.html",
        _meta(organization, "政府信息公开指南", type="信息公开指南"),
        _context(
            organization,
            page=selectors.agency_guide_page(organization=organization),
            # 条例第十二条: the guide names how the agency's information is classified.
            facets=disclosure_selectors.catalogue_facets(publisher=organization),
        ),
    )


def policy(request, code):
    organization = selectors.agency_get(code=code)
    page, own = selectors.agency_policy_page(organization=organization)
    return render_page(
        request,
        "agencies/policy.html",
        _meta(organization, "政府信息公开制度", type="信息公开制度"),
        _context(
            organization,
            page=page,
            own=own,
        ),
    )


def catalogue(request, code):
    organization = selectors.agency_get(code=code)
    filterset = selectors.agency_records(organization=organization, filters=request.GET)
    meta = _meta(organization, "政府信息公开目录", type="信息公开目录")
    if not filterset.is_valid():
        return bad_request_page(request, "筛选条件无效", labelled_errors(filterset.form), page_name=meta.name)
    page = disclosure_selectors.record_page(filterset=filterset, params=request.GET, size=PAGE_SIZE)
    return render_page(
        request,
        "agencies/catalogue.html",
        meta,
        _context(
            organization,
            filterset=filterset,
            page=page,
            facets=disclosure_selectors.catalogue_facets(publisher=organization),
        ),
    )


def annual_reports(request, code):
    organization = selectors.agency_get(code=code)
    meta = _meta(organization, "政府信息公开年报", type="信息公开年报")
    return render_page(
        request,
        "agencies/annual_reports.html",
        meta,
        _context(
            organization,
            records=selectors.agency_annual_reports(organization=organization),
        ),
    )


def statutory(request, code):
    organization = selectors.agency_get(code=code)
    meta = _meta(organization, "法定主动公开内容", type="信息公开目录")
    return render_page(
        request,
        "agencies/statutory.html",
        meta,
        _context(
            organization,
            tree=selectors.column_tree(organization=organization),
        ),
    )


def district_statutory(request):
    """法定主动公开内容 of the site's 政府信息公开 column: the 本级政府's own, one page for both."""
    organization = selectors.district_agency()
    if organization is None:
        raise Http404("本平台尚未设置本级政府的公开专栏")
    return redirect("agencies:statutory", organization.section_code)


def column(request, code, pk):
    organization = selectors.agency_get(code=code)
    column = selectors.column_get(pk=pk)
    crumbs = (
        (SECTION_TITLE, reverse("agencies:index")),
        (organization.name, reverse("agencies:home", args=[code])),
        ("法定主动公开内容", reverse("agencies:statutory", args=[code])),
        (column.name, None),
    )
    meta = PageMeta(name=column.name, type="信息公开目录", crumbs=crumbs)
    paging = numbered_page(request, selectors.column_records(column, organization=organization), PAGE_SIZE)
    # Not `column`: render_page passes the page's PageMeta under that name (base.html reads it).
    return render_page(request, "agencies/column.html", meta, _context(organization, statutory=column, **paging))


@staff_member_required
def self_check(request):
    meta = PageMeta(name="网站自查", type="其他", crumbs=(("网站自查", None),))
    return render_page(
        request,
        "agencies/self_check.html",
        meta,
        {
            "check": selectors.self_check(),
            "limits": selectors.update_days(),
            "allowed_empty": selectors.EMPTY_COLUMNS_ALLOWED,
            "late_days": selectors.LATE_WORKING_DAYS,
            "interpretation_days": disclosure_selectors.INTERPRETATION_DEADLINE_WORKING_DAYS,
            "home_days": selectors.HOME_PAGE_DAYS,
        },
    )
