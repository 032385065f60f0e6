"""Reads for the agencies' 政府信息公开 sections (集约化: every 公开单位 on one platform).

An Organization with a `section_code` has a section at /gk/<code>/ with the five entries
国办公开办函〔2019〕61号 requires: 指南, 制度, 法定主动公开内容 (its catalogue), 年报, 依申请公开."""

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve
from django.utils import timezone

from core.dates import local_day
from core.pagecache import cached_value
from disclosures import selectors as disclosure_selectors
from disclosures.models import DisclosureRecord, Organization, Page, published_q
from disclosures.registry import application_link

ANNUAL_REPORT_GENRE = "政府信息公开年报"
SECTION_PAGES = ("home", "guide", "policy", "statutory", "catalogue", "annual_reports")
RECENT = 8


@dataclass
class AgencyNode:
    organization: Organization
    children: list = field(default_factory=list)


def section_codes() -> list[str]:
    return list(
        Organization.objects.exclude(section_code=None).order_by("section_code").values_list("section_code", flat=True)
    )


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


def district_agency() -> Organization | None:
    """The 本级政府 whose platform this is: the top organization with a section (the first made,
    should there be several)."""
    return Organization.objects.filter(parent=None).exclude(section_code=None).order_by("pk").first()


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
    return list(
        DisclosureRecord.objects.published()
        .for_listing()
        .filter(publisher=organization)
        .order_by("-published_at", "-id")[:limit]
    )


def agency_annual_reports(*, organization: Organization):
    return list(
        DisclosureRecord.objects.published()
        .for_listing()
        .filter(publisher=organization, genre__name=ANNUAL_REPORT_GENRE)
        .order_by("-published_at", "-id")
    )


def application_url(*, organization: Organization) -> str | None:
    """The 依申请公开 form for this agency when it takes applications online; None otherwise
    (its pages then point to the guide's offices, which take letters, faxes and visits)."""
    return application_link(organization)


# --- 法定主动公开内容: the column tree ------------------------------------------------------


@dataclass
class ColumnNode:
    column: object
    count: int = 0
    children: list = field(default_factory=list)


def _columns():
    from .models import StatutoryColumn

    return list(StatutoryColumn.objects.prefetch_related("topics", "genres"))


def column_records(column, *, organization: Organization | None = None):
    """The public records a column lists (of one agency, when given), newest first."""
    qs = DisclosureRecord.objects.published().for_listing().filter(column.record_filter())
    if organization is not None:
        qs = qs.filter(publisher=organization)
    return qs.order_by("-published_at", "-id")


def column_tree(*, organization: Organization) -> list[ColumnNode]:
    """The tree with each column's count of the agency's public records: a count per column,
    so kept until content changes."""
    return cached_value(f"agencies:column-tree:{organization.pk}", lambda: _column_tree(organization))


def _column_tree(organization):
    columns = _columns()
    nodes = {c.pk: ColumnNode(c, column_records(c, organization=organization).count()) for c in columns}
    roots = []
    for column in columns:
        parent = nodes.get(column.parent_id)
        (parent.children if parent else roots).append(nodes[column.pk])
    return roots


def column_ids() -> list[int]:
    """Every 法定主动公开内容 column, in the tree's order (each agency's section shows them all)."""
    from .models import StatutoryColumn

    return list(StatutoryColumn.objects.values_list("pk", flat=True))


def column_get(*, pk: int):
    from .models import StatutoryColumn

    return get_object_or_404(StatutoryColumn.objects.select_related("parent"), pk=pk)


# --- 网站自查 (国办秘函〔2019〕19号 单项否决 indicators the data can show) ----------------------

EMPTY_COLUMNS_ALLOWED = 4  # 19号: 空白栏目 5 个以上 is 单项否决
HOME_PAGE_DAYS = 14
LATE_WORKING_DAYS = 20  # 条例 Art. 26
DEFAULT_UPDATE_DAYS = {"dynamic": 14, "notice": 183, "policy": 183}
CHECK_WINDOW_DAYS = 365
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass
class SelfCheck:
    today: object
    columns: int
    empty: list
    stale: list  # (column, latest published_at or None, days allowed)
    latest_publication: object
    home_stale: bool
    late: list  # (record, working days)
    dead_links: list  # (record, href)
    late_interpretations: list = field(default_factory=list)  # (解读, working days after its document)

    @property
    def empty_fails(self) -> bool:
        return len(self.empty) > EMPTY_COLUMNS_ALLOWED


def update_days() -> dict:
    return {**DEFAULT_UPDATE_DAYS, **getattr(settings, "SELF_CHECK_UPDATE_DAYS", {})}


def self_check(*, now=None) -> SelfCheck:
    """The figures of the 网站自查 page. Columns are checked as leaves (a column with children
    is a heading); late publication and dead links over the records published in the last year."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    limits = update_days()
    all_columns = _columns()
    headings = {c.parent_id for c in all_columns}
    columns = [c for c in all_columns if c.pk not in headings]
    public = DisclosureRecord.objects.published(at=now)
    empty, stale = [], []
    for column in columns:
        latest = public.filter(column.record_filter()).aggregate(latest=Max("published_at"))["latest"]
        if latest is None:
            empty.append(column)
        days = limits.get(column.kind)
        if days and (latest is None or latest < now - dt.timedelta(days=days)):
            stale.append((column, latest, days))
    latest_publication = public.aggregate(latest=Max("published_at"))["latest"]
    home_stale = latest_publication is None or latest_publication < now - dt.timedelta(days=HOME_PAGE_DAYS)
    recent = public.filter(published_at__gte=now - dt.timedelta(days=CHECK_WINDOW_DAYS)).order_by("-published_at")
    late = []
    for record in recent.exclude(written_date=None).only("pk", "title", "index_number", "written_date", "published_at"):
        counted = disclosure_selectors.publication_working_days(
            record.written_date, timezone.localtime(record.published_at).date()
        )
        # None: over a year apart (an old row with a mistyped 成文日期), late whatever the count.
        days = counted[0] if counted else None
        if days is None or days > LATE_WORKING_DAYS:
            late.append((record, days))
    late_interpretations = []
    interpretations = (
        recent.filter(published_q("interprets__", at=now))
        .select_related("interprets")
        .only("pk", "title", "index_number", "published_at", "interprets__published_at")
    )
    for record in interpretations:
        counted = disclosure_selectors.publication_working_days(
            local_day(record.interprets.published_at), local_day(record.published_at)
        )
        days = counted[0] if counted else None
        if days is None or days > disclosure_selectors.INTERPRETATION_DEADLINE_WORKING_DAYS:
            late_interpretations.append((record, days))
    dead = []
    for record in recent.filter(body__icontains="href").only("pk", "title", "index_number", "body"):
        for href in _HREF.findall(record.body):
            if _is_dead_internal_link(href):
                dead.append((record, href))
    return SelfCheck(
        today=today,
        columns=len(columns),
        empty=empty,
        stale=stale,
        latest_publication=latest_publication,
        home_stale=home_stale,
        late=late,
        dead_links=dead,
        late_interpretations=late_interpretations,
    )


def _is_dead_internal_link(href: str) -> bool:
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return False
    if parts.netloc and parts.netloc.split(":")[0] not in settings.ALLOWED_HOSTS:
        return False  # another site's link: not ours to check
    if not parts.netloc and not href.startswith("/"):
        return False  # relative or fragment-only
    path = unquote(parts.path or "/")
    if path.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
        return False
    try:
        match = resolve(path)
    except Resolver404:
        try:  # APPEND_SLASH redirects /disclosures to /disclosures/
            match = resolve(path + "/")
        except Resolver404:
            return True
    if match.view_name == "disclosures:record_detail":
        return not DisclosureRecord.objects.published().filter(index_number=match.kwargs["index_number"]).exists()
    if match.view_name.startswith("agencies:") and "code" in match.kwargs:
        return not Organization.objects.filter(section_code=match.kwargs["code"]).exists()
    return False
