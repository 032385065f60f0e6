"""Reads for the disclosure catalogue."""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    TextField,
    Value,
    When,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.http import PAGING_PARAMS, PageNotFound, digits_value, parse_page_number
from core.pagecache import cached_value
from core.working_days import working_days_between

from .document_numbers import normalize_document_number
from .filters import RecordFilter
from .models import (
    PUBLIC_INTERPRETATIONS,
    AgencyMembership,
    Attachment,
    DisclosureRecord,
    Organization,
    Page,
    ReviewStep,
    Topic,
    public_interpretations_of,
    review_permission,
    withdrawn_after_public_q,
)
from .registry import record_panels

# --- agencies (公开单位): which records a staff member may touch ---------------------------
# One definition for every app: disclosures' admin and services, 依申请公开 cases, 年报.

MANAGE_ALL_PERMISSION = "disclosures.manage_all_agencies"


def manages_all_agencies(user) -> bool:
    """District-wide staff (and superusers) are not limited to their agencies."""
    return bool(user and user.is_active and user.has_perm(MANAGE_ALL_PERMISSION))


def agencies_of(user):
    """The Organizations whose information this staff member may manage: all of them for
    district-wide staff, their memberships' otherwise, none for anyone else."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return Organization.objects.none()
    if manages_all_agencies(user):
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=AgencyMembership.objects.filter(user=user).values("organization"))


def scoped_to_agencies(queryset, user, *, field="publisher"):
    """`queryset` narrowed to the rows whose `field` (an Organization FK) is one of the user's agencies."""
    if user and user.is_active and user.is_staff and manages_all_agencies(user):
        return queryset
    return queryset.filter(**{f"{field}__in": agencies_of(user).values("pk")})


def can_manage_organization(user, organization_id) -> bool:
    if organization_id is None:
        return False
    return agencies_of(user).filter(pk=organization_id).exists()


def records_for_staff(user):
    return scoped_to_agencies(DisclosureRecord.objects.all(), user)


def can_manage_record(user, record) -> bool:
    return can_manage_organization(user, record.publisher_id)


def records_linkable(user):
    """What a record's 替代文件 or 解读对象 may be: any record of the staff member's agencies (as the
    autocomplete box offers) and any public record. Never another agency's draft, scheduled
    or withdrawn record: the change form would show its title."""
    return records_for_staff(user) | DisclosureRecord.objects.published()


# --- publication deadline (条例 Art. 26) ---------------------------------------------------

# Working days are counted one day at a time (core.working_days): right for the weeks between
# writing and publishing, not for a mistyped year (0001-01-01 took 13 s). The 20-working-day
# deadline is long missed after a year, whatever the holidays, so longer spans are not counted.
PUBLICATION_COUNT_LIMIT = dt.timedelta(days=366)
# 国办发〔2016〕19号: a 政策解读 is published within 3 working days of the document it interprets.
INTERPRETATION_DEADLINE_WORKING_DAYS = 3


def publication_working_days(written: dt.date, published: dt.date) -> tuple[int, bool] | None:
    """Working days from a 成文日期 (or another day the information was made) to its
    publication day, and whether the calendar knew every day of them: (0, True) when
    published first, None when more than a year apart (too long to count, late anyway)."""
    if published <= written:
        return 0, True
    if published - written > PUBLICATION_COUNT_LIMIT:
        return None
    # The count steps one day past its end, which the last date there is has not.
    return working_days_between(written, min(published, dt.date.max - dt.timedelta(days=1)))


# --- review (三审) and preview ------------------------------------------------------------


def can_submit_record(user, record) -> bool:
    return (
        record.status == DisclosureRecord.Status.DRAFT
        and user.has_perm("disclosures.change_disclosurerecord")
        and can_manage_record(user, record)
    )


def can_review_record(user, record) -> bool:
    """`user` may decide the level this record awaits (and edit it meanwhile): its agency's
    reviewer of that stage who has not submitted it or decided a level of this round. Whoever
    approved a lower level editing it now would hand the 终审 text that no other level saw."""
    return bool(
        record.review_stage
        and user.has_perm(review_permission(record.review_stage))
        and can_manage_record(user, record)
        and user.pk not in {step.actor_id for step in review_round(record=record)}
    )


def review_trail(*, record) -> list[ReviewStep]:
    return list(record.review_steps.all())


def review_round(*, record) -> list[ReviewStep]:
    """The steps of the current (or last) round: from its submission on."""
    steps = review_trail(record=record)
    starts = [index for index, step in enumerate(steps) if step.action == ReviewStep.Action.SUBMIT]
    return steps[starts[-1] :] if starts else []


PREVIEW_SALT = "disclosures.record-preview"


class PreviewLinkExpired(Exception):
    pass


def preview_link_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings.DISCLOSURE_PREVIEW_LINK_HOURS)


def preview_token(record) -> str:
    """A signed, timestamped token for this record's preview, for someone without a staff account."""
    return signing.dumps(record.pk, salt=PREVIEW_SALT)


def staff_may_preview(user, record) -> bool:
    """Signed-in staff (second step passed) who may manage the record's agency."""
    return bool(
        user.is_authenticated
        and user.is_staff
        and getattr(user, "is_verified", lambda: False)()
        and user.has_perm("disclosures.view_disclosurerecord")
        and can_manage_record(user, record)
    )


def record_for_preview(*, pk: int, user, token: str = "") -> tuple[DisclosureRecord, bool]:
    """The record to preview and whether a signed link (not a staff sign-in) opened it. Staff
    of its agency preview it in any state; a link works until it expires, and only while the
    record is not public yet (a draft, under review or scheduled): never once withdrawn.
    Http404 for anyone else, PreviewLinkExpired for a link past its lifetime."""
    record = get_object_or_404(
        DisclosureRecord.objects.select_related("publisher", "drafting_org", "topic").prefetch_related("attachments"),
        pk=pk,
    )
    if staff_may_preview(user, record):
        return record, False
    if token:
        try:
            signed_pk = signing.loads(token, salt=PREVIEW_SALT, max_age=preview_link_lifetime())
        except signing.SignatureExpired:
            raise PreviewLinkExpired from None
        except signing.BadSignature:
            raise Http404("预览链接无效") from None
        if signed_pk == record.pk and _previewable_by_link(record):
            return record, True
    raise Http404("没有这条记录的预览")


def _previewable_by_link(record) -> bool:
    return record.status != DisclosureRecord.Status.WITHDRAWN


def preview_link_opens(token: str, record) -> bool:
    """Whether a preview link's token (unexpired) opens `record`: its files come with its page."""
    try:
        return signing.loads(token, salt=PREVIEW_SALT, max_age=preview_link_lifetime()) == record.pk
    except signing.BadSignature:  # expired or forged
        return False


# --- the records changelist: search at a million records ---------------------------------
# Exact 索引号 / 文号 first (unique and plain b-tree indexes). Otherwise words in 名称 or 文号,
# confirmed by a LIKE. Common words (many matches among the newest records) are read along the
# ordering's index until a page is full (core.planner): a few thousand rows. Rarer ones come
# from a GIN index over each record's character pairs (migration 0006; every status, drafts
# included), whose cost grows with the rarest pair's rows, and are listed by id. See ADR 0052.

ADMIN_SEARCH_PROBE = 2000  # the newest records a word search looks through first
ADMIN_SEARCH_DENSE = 20  # matches among them (1 %) that make the word common
ADMIN_SEARCH_SPARSE = 2000  # up to this many matches are listed by id


class RecordWords(Func):
    """The lower-cased character pairs of a record's 名称 and 文号 (SQL function of migration
    0006, indexed by record_admin_words); PostgreSQL only."""

    function = "disclosures_record_words"
    output_field = ArrayField(TextField())

    def __init__(self):
        super().__init__(F("title"), F("document_number"))


def character_pairs(words) -> list[str]:
    return sorted({word[i : i + 2] for word in words for i in range(len(word) - 1)})


@dataclass
class AdminSearch:
    queryset: object
    walk: bool = False  # many matches: read the list along its index
    note: str = ""  # why nothing was searched


def records_admin_search(queryset, term: str) -> AdminSearch:
    """`queryset` (the changelist's, filters applied) narrowed to what staff typed."""
    term = " ".join((term or "").split())
    if not term:
        return AdminSearch(queryset)
    exact = queryset.filter(
        Q(index_number__in={term, term.upper()}) | Q(document_number=normalize_document_number(term))
    )
    if exact.exists():
        return AdminSearch(exact)
    words = term.split()
    if all(len(word) < 2 for word in words):
        # One character would match most titles, or walk the whole table to find none.
        return AdminSearch(
            queryset.none(), note="按名称检索请至少输入两个字；索引号、文号请输入完整（如 官办通〔2020〕26号）。"
        )
    match = Q()
    for word in words:
        # Han characters and digits as typed: LIKE on the column itself, which PostgreSQL's
        # statistics can estimate (UPPER(title) it takes for rare). Latin letters in any case.
        lookup = "icontains" if any(c.isascii() and c.isalpha() for c in word) else "contains"
        match &= Q(**{f"title__{lookup}": word}) | Q(**{f"document_number__{lookup}": word})
    matching = queryset.filter(match)
    # How many of the newest records match, read along the date index (a subquery with LIMIT).
    newest = queryset.order_by(*DisclosureRecord._meta.ordering).annotate(
        hit=Case(When(match, then=Value(1)), default=Value(0), output_field=IntegerField())
    )[:ADMIN_SEARCH_PROBE]
    if (newest.aggregate(hits=Sum("hit"))["hits"] or 0) >= ADMIN_SEARCH_DENSE:
        return AdminSearch(matching, walk=True)
    candidates = matching.order_by()
    if candidates.db and connections[candidates.db].vendor == "postgresql":
        pairs = character_pairs(word.lower() for word in words)
        candidates = candidates.alias(words=RecordWords()).filter(words__contains=pairs)
    found = list(candidates.values_list("pk", flat=True)[: ADMIN_SEARCH_SPARSE + 1])
    if len(found) <= ADMIN_SEARCH_SPARSE:
        return AdminSearch(queryset.filter(pk__in=found))
    return AdminSearch(matching, walk=True)


def record_list(*, filters=None):
    """Published records, newest first, narrowed by the catalogue filters."""
    qs = DisclosureRecord.objects.published().for_listing().order_by("-published_at", "-id")
    return RecordFilter(filters or {}, queryset=qs)


def record_get_public(*, index_number: str) -> DisclosureRecord:
    """The public record with this 索引号, or 404. Kept until content changes (a publish, edit
    or withdraw starts a new generation; a scheduled record's time bounds it), so a record
    page the page cache cannot serve still costs no query. The record is shared by later
    requests in this process: read it, never change it."""
    if len(index_number) > 64:  # longer than any 索引号: not looked up, not made a cache key
        raise Http404("没有这条信息")
    # A key any cache backend takes (an imported 索引号 may hold spaces or Chinese).
    key = index_number if _PLAIN_KEY.fullmatch(index_number) else hashlib.sha256(index_number.encode()).hexdigest()
    return cached_value(f"disclosures:record:{key}", lambda: _record_public(index_number))


_PLAIN_KEY = re.compile(r"[A-Za-z0-9/_.\-]+")


def _record_public(index_number):
    # Only what every record page shows; `superseded_by` is read (lazily) on the few
    # records that are no longer valid. The 解读 links both ways: the document a 解读
    # interprets comes with the record (a join, without its text), and so does whether any
    # public 解读 interprets it (an EXISTS on the link's index); only a document that has some
    # reads them, in one query more. Kept for the generation: a publish, edit or withdrawal of
    # a 解读 starts a new one, and a scheduled one bounds how long the record is kept.
    interpreted = DisclosureRecord.objects.published().filter(interprets=OuterRef("pk"))
    qs = (
        DisclosureRecord.objects.published()
        .select_related("publisher", "drafting_org", "topic", "interprets")
        .defer(*(f"interprets__{name}" for name in ("body", "summary", "withheld_reason", "keywords")))
        .prefetch_related("attachments")
        .annotate(has_public_interpretations=Exists(interpreted))
    )
    # A 404 is not kept: the record may be scheduled, and made-up numbers would fill the cache.
    record = get_object_or_404(qs, index_number=index_number)
    found = []
    if record.has_public_interpretations:
        found = list(public_interpretations_of(DisclosureRecord.objects.filter(interprets=record)))
    setattr(record, PUBLIC_INTERPRETATIONS, found)
    return record


def record_stored_views(*, record_id: int, epoch: int) -> int:
    """`view_count` as the database has it. A kept record's copy is as old as its generation,
    and flushes add to the column without starting a new one; each flush starts a new
    counter epoch instead, so the stored count is read once per record and flush."""
    return cached_value(
        f"disclosures:views:{record_id}:{epoch}",
        # From the primary, which a flush has just written: a replica may not have it yet.
        lambda: (
            DisclosureRecord.objects.using(DEFAULT_DB_ALIAS)
            .filter(pk=record_id)
            .values_list("view_count", flat=True)
            .first()
            or 0
        ),
    )


def record_next_scheduled_at(*, after=None):
    """When the next scheduled record (after `after`, default now) goes public: the page cache
    must not outlive it."""
    return DisclosureRecord.objects.filter(
        status=DisclosureRecord.Status.PUBLISHED, published_at__gt=after or timezone.now()
    ).aggregate(soonest=Min("published_at"))["soonest"]


def record_removals(by: str) -> dict:
    """When records last left the public catalogue, per value of `by` (a lookup: "publisher",
    "topic", "publisher__section_code"): a withdrawn record's last save, the withdrawal unless
    staff edited it since, if it was public by then; a deleted record's deletion, if it was
    public then, or its withdrawal before (from the row simple-history keeps of a deletion).
    Sitemaps and feeds date themselves by their newest item, which goes back when that item is
    withdrawn or deleted: this moves them forward. One query for both (the status index and
    the few deletion rows, a partial index), kept until content changes."""

    def compute():
        status = DisclosureRecord.Status
        withdrawn = withdrawn_after_public_q()
        live = DisclosureRecord.objects.filter(withdrawn).values(by).annotate(latest=Max("updated_at")).order_by()
        # The conditions in the aggregate, not the WHERE: only the partial index is then usable.
        left = Case(
            When(Q(status=status.PUBLISHED, published_at__lte=F("history_date")), then="history_date"),
            When(withdrawn, then="updated_at"),
        )
        deleted = (
            DisclosureRecord.history.model.objects.filter(history_type="-")
            .values(by)
            .annotate(latest=Max(left))
            .order_by()
        )
        removals = {}
        for row in live.union(deleted, all=True):
            key, latest = row[by], row["latest"]
            if latest is not None:  # deleted while never public
                removals[key] = max(latest, removals.get(key, latest))
        return removals

    return cached_value(f"disclosures:removals:{by}", compute)


def record_latest(*, limit=10):
    return list(DisclosureRecord.objects.published().for_listing().order_by("-published_at", "-id")[:limit])


def catalogue_facets(*, publisher: Organization | None = None):
    """What the catalogue (or one publisher's, as an agency's section lists it) can be browsed
    by: topics, publishers and years that have public records, so that no choice leads to an
    empty list. Each part scans the public records, so the result is cached until content changes."""
    if publisher is None:
        return cached_value("disclosures:facets", _catalogue_facets, once=True)
    return cached_value(f"disclosures:facets:{publisher.pk}", lambda: _catalogue_facets(publisher), once=True)


def _catalogue_facets(publisher=None):
    public = DisclosureRecord.objects.published()
    if publisher is not None:
        public = public.filter(publisher=publisher)
    topics = Topic.objects.filter(pk__in=public.values("topic")).order_by("position", "name")
    publishers = Organization.objects.filter(pk__in=public.values("publisher")).order_by("name")
    return {"topics": list(topics), "publishers": list(publishers), "years": _public_years(public)}


def _public_years(public) -> list[int]:
    """Local calendar years with public records, newest first: one step down the date index
    per year (the newest record before the year's start), not every record's date read and
    grouped (1.6 s at a million records, again after every publish)."""
    years = []
    dates = public.order_by("-published_at").values_list("published_at", flat=True)
    newest = dates.first()
    while newest is not None:
        year = timezone.localtime(newest).year
        years.append(year)
        start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
        newest = dates.filter(published_at__lt=start).first()
    return years


def page_get(*, slug: str) -> Page:
    return get_object_or_404(Page.objects.select_related("office"), slug=slug)


def record_related_panels(*, record: DisclosureRecord) -> list[str]:
    """HTML panels other apps attach to a record page (e.g. the proposal a reply answers)."""
    return record_panels(record)


# --- catalogue pages: keyset pagination ------------------------------------------------
# Pages are addressed by the record they follow (?after=<id>) or precede (?before=<id>), so
# page 5,000 costs what page 1 costs (an index range scan, no OFFSET), and a page URL keeps
# showing the same records when new ones are published. ?page=N (N ≤ MAX_OFFSET_PAGE) still
# works for the first pages; counts come from the cache.

MAX_OFFSET_PAGE = 50
# A paging link whose anchor record is gone (withdrawn since) or was never one: the same words
# either way, so paging tells nobody which ids were once public.
STALE_LINK = "翻页链接已失效：目录已更新，请从第一页重新翻页。"


@dataclass
class CataloguePaginator:
    count: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


@dataclass
class CataloguePage:
    """The slice of records one catalogue URL shows, with links to its neighbours."""

    object_list: list
    paginator: CataloguePaginator
    number: int | None  # known for ?page=N and the first/last pages only
    has_next: bool
    has_previous: bool
    base_query: str
    keyset = True

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def _link(self, **params) -> str:
        extra = urlencode(params)
        return f"{self.base_query}&{extra}" if self.base_query else extra

    @property
    def first_query(self) -> str:
        return self.base_query

    @property
    def last_query(self) -> str:
        return self._link(last=1)

    @property
    def next_query(self) -> str:
        return self._link(after=self.object_list[-1].pk)

    @property
    def previous_query(self) -> str:
        return self._link(before=self.object_list[0].pk)

    @property
    def label(self) -> str:
        total = self.paginator.num_pages
        if self.number:
            return f"第 {self.number} 页，共 {total} 页"
        newest = timezone.localtime(self.object_list[0].published_at)
        oldest = timezone.localtime(self.object_list[-1].published_at)
        return f"发布日期 {oldest:%Y-%m-%d} 至 {newest:%Y-%m-%d}，共 {total} 页"


def _anchor(raw: str):
    """(published_at, id) of a public record, or 404 for anything else: a withdrawn record's id
    answers exactly as a draft's does, so paging tells nobody which ids were once public."""
    pk = digits_value(raw, max_digits=18)
    found = None
    if pk is not None:
        found = DisclosureRecord.objects.published().filter(pk=pk).values_list("published_at", "pk").first()
    if found is None:
        raise PageNotFound(STALE_LINK)
    return found


def record_count(*, filterset) -> int:
    """How many records a filter matches, cached until content changes (a count scans them all)."""
    data = sorted((k, str(getattr(v, "pk", v))) for k, v in filterset.form.cleaned_data.items() if v not in (None, ""))
    signature = hashlib.md5(repr(data).encode()).hexdigest()
    # Computed once when many ask together: after a publish every catalogue reader needs it anew.
    return cached_value(f"disclosures:count:{signature}", filterset.qs.count, once=True)


def record_page(*, filterset, params, size: int) -> CataloguePage:
    """The catalogue page `params` (the query string) asks for; Http404 for a bad one."""
    qs = filterset.qs.order_by()
    newest_first, oldest_first = ("-published_at", "-id"), ("published_at", "id")
    base = params.copy()
    for name in PAGING_PARAMS:
        base.pop(name, None)
    base_query = base.urlencode()
    paginator = CataloguePaginator(count=record_count(filterset=filterset), per_page=size)
    number = None
    if params.get("after"):
        published_at, pk = _anchor(params["after"])
        rows = list(
            qs.filter(published_at__lte=published_at)
            .exclude(published_at=published_at, pk__gte=pk)
            .order_by(*newest_first)[: size + 1]
        )
        has_previous, has_next = True, len(rows) > size
        rows = rows[:size]
    elif params.get("before"):
        published_at, pk = _anchor(params["before"])
        rows = list(
            qs.filter(published_at__gte=published_at)
            .exclude(published_at=published_at, pk__lte=pk)
            .order_by(*oldest_first)[: size + 1]
        )
        has_previous, has_next = len(rows) > size, True
        rows = rows[:size][::-1]
        if not has_previous:
            # Back at the top: show a full first page rather than the few records left over.
            rows = list(qs.order_by(*newest_first)[: size + 1])
            has_next, rows, number = len(rows) > size, rows[:size], 1
    elif params.get("last"):
        # The remainder, as on the last numbered page: “上一页” from here (before=) then steps
        # back through full pages that line up with page numbers.
        rows = list(qs.order_by(*oldest_first)[: paginator.count % size or size])[::-1]
        has_previous, has_next = paginator.count > size, False
        number = paginator.num_pages
    else:
        pages = paginator.num_pages
        number = parse_page_number(
            params,
            highest=MAX_OFFSET_PAGE,
            message=(
                f"页码无效：共 {pages} 页，请打开第 1 至 {pages} 页。"
                if pages <= MAX_OFFSET_PAGE
                else f"页码无效：可直接打开第 1 至 {MAX_OFFSET_PAGE} 页；更后面的请用“下一页”“最后一页”翻页，或按年份、主题筛选。"
            ),
        )
        start = (number - 1) * size
        rows = list(qs.order_by(*newest_first)[start : start + size + 1])
        has_previous, has_next = number > 1, len(rows) > size
        rows = rows[:size]
        if number > 1 and not rows:
            raise PageNotFound(f"页码超出范围：共 {paginator.num_pages} 页，没有第 {number} 页。")
    if not rows and (params.get("after") or params.get("before")):
        raise PageNotFound(STALE_LINK)
    return CataloguePage(
        object_list=rows,
        paginator=paginator,
        number=number,
        has_next=has_next,
        has_previous=has_previous,
        base_query=base_query,
    )


def attachment_get_for(*, pk: int, user, token: str = "") -> Attachment:
    """An attachment the reader may download: its record is public now, or the reader is staff
    who may see the record (the admin's preview), or holds the record's preview link. Anything
    else is a 404, so a draft's, scheduled, withdrawn or deleted record's files cannot even be
    told to exist."""
    attachment = get_object_or_404(Attachment.objects.select_related("record"), pk=pk)
    if attachment.record.is_public and attachment.record.publishes_content:
        return attachment
    if token and _previewable_by_link(attachment.record) and preview_link_opens(token, attachment.record):
        return attachment
    if staff_may_preview(user, attachment.record):  # second step passed, as for the preview itself
        return attachment
    raise Http404("附件不存在")


def records_deleted(*, user):
    """Deleted records `user` may restore: the last history row of every record of their
    agencies (all of them district-wide) that no longer exists, newest deletion first."""
    History = DisclosureRecord.history.model
    deleted = (
        History.objects.filter(history_type="-")
        .exclude(id__in=DisclosureRecord.objects.values("pk"))
        .select_related("history_user", "publisher")
        .order_by("-history_date")
    )
    return scoped_to_agencies(deleted, user)
