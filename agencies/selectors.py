"""Reads for the agencies' 政府信息公开 sections (集约化: every 公开单位 on one platform).

An Organization with a `section_code` has a section at /gk/<code>/ with the five entries
国办公开办函〔2019〕61号 requires: 指南, 制度, 法定主动公开内容 (its catalogue), 年报, 依申请公开."""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from core.pagecache import cached_value
from disclosures import selectors as disclosure_selectors
from disclosures.models import DisclosureRecord, Organization, Page

ANNUAL_REPORT_GENRE = "政府信息公开年报"
SECTION_PAGES = ("home", "guide", "policy", "catalogue", "annual_reports")
RECENT = 8


@dataclass
class AgencyNode:
    organization: Organization
    children: list = field(default_factory=list)


def section_codes() -> list[str]:
    return list(Organization.objects.exclude(section_code=None).order_by("section_code")
                .values_list("section_code", flat=True))


def agency_get(*, code: str) -> Organization:
    return get_object_or_404(Organization.objects.select_related("parent"), section_code=code)


def agency_tree() -> list[AgencyNode]:
    """Organizations with a section, as a tree by 上级机构 (an agency whose parent has no section
    is a root). Cached until content changes."""
    return cached_value("agencies:tree", _agency_tree)


def _agency_tree():
    organizations = list(Organization.objects.exclude(section_code=None).order_by("name"))
    nodes = {org.pk: AgencyNode(org) for org in organizations}
    roots = []
    for org in organizations:
        parent = nodes.get(org.parent_id)
        (parent.children if parent else roots).append(nodes[org.pk])
    return roots


def agency_subunits(*, organization: Organization) -> list[Organization]:
    """The departments and streets under an agency that have sections of their own."""
    return list(organization.children.exclude(section_code=None).order_by("name"))


def agency_guide_page(*, organization: Organization) -> Page | None:
    """The agency's own 指南 text (Page `guide-<code>`), if staff have written one."""
    return Page.objects.filter(slug=f"guide-{organization.section_code}").first()


def agency_policy_page(*, organization: Organization) -> tuple[Page | None, bool]:
    """(the 制度 page, whether it is the agency's own): its own `policy-<code>` page, or the
    district's 制度 that applies to every agency."""
    own = Page.objects.filter(slug=f"policy-{organization.section_code}").first()
    if own:
        return own, True
    return Page.objects.filter(slug="policy").first(), False


def agency_records(*, organization: Organization, filters):
    """The catalogue's FilterSet with the publisher fixed to this agency."""
    data = filters.copy()
    data["publisher"] = str(organization.pk)
    return disclosure_selectors.record_list(filters=data)


def agency_recent_records(*, organization: Organization, limit=RECENT):
    return list(DisclosureRecord.objects.published().for_listing().filter(publisher=organization)
                .order_by("-published_at", "-id")[:limit])


def agency_annual_reports(*, organization: Organization):
    return list(DisclosureRecord.objects.published().for_listing()
                .filter(publisher=organization, genre__name=ANNUAL_REPORT_GENRE)
                .order_by("-published_at", "-id"))


def application_url(*, organization: Organization) -> str | None:
    """The 依申请公开 form for this agency, when the 依申请公开 app is installed."""
    try:
        return f"{reverse('inforequests:apply')}?agency={organization.pk}"
    except NoReverseMatch:
        return None
