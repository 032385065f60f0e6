"""Read-only open-data API under /api/v1/ (django-ninja; see docs/decisions and
docs/open-data.md). Only public items: never drafts, scheduled or withdrawn records,
never members' contact details. Lists use keyset cursors, so deep pages stay cheap."""

import base64
import binascii
import datetime as dt
import unicodedata
from typing import Literal

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from ninja import Field, NinjaAPI, Query, Schema
from ninja.renderers import JSONRenderer
from ninja.responses import Status

from communities.models import Fact
from disclosures.document_numbers import normalize_document_number
from disclosures.models import DisclosureRecord, Organization, Topic
from proposals.models import Reply, normalize_proposal_number

from .adapters.proposals import reply_public_from, reply_url
from .query import MAX_QUERY_LENGTH, QueryError, parse_query
from .selectors import documents_matching, search

MAX_ID = 2**63 - 1
DEFAULT_LIMIT, MAX_LIMIT = 20, 100

class Utf8JSONRenderer(JSONRenderer):
    # Chinese as characters, not \uXXXX escapes: readable, and a third smaller.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="政府信息公开开放数据接口",
    version="1.0.0",
    description=(
        "只读接口：政府信息公开目录、提案答复与社区治理数据。只返回已公开的内容；"
        "列表按发布时间倒序，用 next_cursor 翻页。字段说明见 docs/open-data.md。"
    ),
    urls_namespace="api-v1",
    docs_url=None,  # Swagger UI needs inline styles, which the site's CSP forbids
    openapi_url="/openapi.json",
)


class Problem(Schema):
    detail: str


class ValidationProblem(Schema):
    detail: list[dict]


ERRORS = {400: Problem, 422: ValidationProblem}


class ApiError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@api.exception_handler(ApiError)
def _api_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status)


def _checked_text(value: str | None) -> str | None:
    """Text parameters reach SQL only without control characters (PostgreSQL rejects NUL)."""
    if value is not None and any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ApiError("参数含有控制字符。")
    return value


# Keyset cursors ----------------------------------------------------------------------------


def encode_cursor(moment: dt.datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        moment = dt.datetime.fromisoformat(moment)
        pk = int(pk)
        if moment.tzinfo is None or not 0 < pk <= MAX_ID:
            raise ValueError(cursor)
        return moment, pk
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise ApiError("cursor 无效：请使用上一页返回的 next_cursor。") from error


def _value(row, path):
    for name in path.split("__"):
        row = getattr(row, name)
    return row


def keyset_page(request, queryset, *, cursor, limit, field="published_at", serialize):
    """One page, newest first by `field` (then id), and the cursor of the next one."""
    queryset = queryset.order_by(f"-{field}", "-pk")
    if cursor:
        moment, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk}))
    rows = list(queryset[: limit + 1])
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(_value(last, field), last.pk) if last else None
    next_url = None
    if next_cursor:
        params = {k: v for k, v in request.GET.items() if k != "cursor"}
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode({**params, 'cursor': next_cursor})}")
    return {"results": [serialize(request, row) for row in rows[:limit]], "next_cursor": next_cursor, "next": next_url}


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=200, description="上一页返回的 next_cursor")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数")


# Vocabularies ------------------------------------------------------------------------------


class NamedRef(Schema):
    id: int
    name: str


def _ref(obj):
    return {"id": obj.pk, "name": obj.name} if obj else None


@api.get("/publishers", response=list[NamedRef], summary="发布机构", tags=["词表"])
def publishers(request):
    public = DisclosureRecord.objects.published()
    return [_ref(org) for org in Organization.objects.filter(pk__in=public.values("publisher")).order_by("name")]


@api.get("/topics", response=list[NamedRef], summary="主题分类", tags=["词表"])
def topics(request):
    public = DisclosureRecord.objects.published()
    return [_ref(topic) for topic in Topic.objects.filter(pk__in=public.values("topic")).order_by("position", "name")]


# Disclosure records ------------------------------------------------------------------------

Validity = Literal["valid", "expired", "repealed"]


class Attachment(Schema):
    title: str
    url: str
    size: int
    extension: str


class Record(Schema):
    index_number: str = Field(description="索引号")
    title: str = Field(description="名称")
    url: str = Field(description="网页地址")
    publisher: NamedRef = Field(description="发布机构")
    drafting_org: NamedRef | None = Field(description="成文机构")
    document_number: str = Field(description="文号（可为空）")
    written_date: dt.date | None = Field(description="成文日期")
    published_at: dt.datetime = Field(description="发布日期")
    topic: NamedRef = Field(description="主题分类")
    genre: NamedRef | None = Field(description="体裁分类")
    keywords: list[str] = Field(description="关键字")
    summary: str = Field(description="内容概述")
    validity: Validity = Field(description="有效性：valid 有效、expired 失效、repealed 废止")
    effective_date: dt.date | None
    invalid_date: dt.date | None
    superseded_by: str | None = Field(description="替代文件的索引号（仅当其已公开）")
    updated_at: dt.datetime


class RecordDetail(Record):
    body_html: str = Field(description="正文（已净化的 HTML）")
    attachments: list[Attachment]


class RecordPage(Schema):
    results: list[Record]
    next_cursor: str | None
    next: str | None


def record_data(request, record) -> dict:
    superseded = record.superseded_by if record.superseded_by_id and record.superseded_by.is_public else None
    return {
        "index_number": record.index_number,
        "title": record.title,
        "url": request.build_absolute_uri(record.get_absolute_url()),
        "publisher": _ref(record.publisher),
        "drafting_org": _ref(record.drafting_org),
        "document_number": record.document_number,
        "written_date": record.written_date,
        "published_at": record.published_at,
        "topic": _ref(record.topic),
        "genre": _ref(record.genre),
        "keywords": record.keyword_list,
        "summary": record.summary,
        "validity": record.validity,
        "effective_date": record.effective_date,
        "invalid_date": record.invalid_date,
        "superseded_by": superseded.index_number if superseded else None,
        "updated_at": record.updated_at,
    }


class RecordFilters(Schema):
    q: str | None = Field(None, max_length=MAX_QUERY_LENGTH, description="检索词（与站内搜索相同的规则）")
    publisher: int | None = Field(None, ge=1, le=MAX_ID, description="发布机构 id（见 /publishers）")
    topic: int | None = Field(None, ge=1, le=MAX_ID, description="主题分类 id（见 /topics）")
    year: int | None = Field(None, ge=1949, le=2100, description="发布年份")
    validity: Validity | None = None
    document_number: str | None = Field(None, max_length=100, description="文号，完全一致")
    published_after: dt.date | None = Field(None, description="发布日期不早于")
    published_before: dt.date | None = Field(None, description="发布日期不晚于")


def public_records():
    return DisclosureRecord.objects.published().select_related(
        "publisher", "drafting_org", "topic", "genre", "superseded_by"
    )


def _query_or_error(q):
    try:
        return parse_query(q)
    except QueryError as error:
        raise ApiError(str(error)) from error


def _date_filters(queryset, field, after, before):
    tz = timezone.get_current_timezone()
    if after:
        queryset = queryset.filter(**{f"{field}__gte": dt.datetime.combine(after, dt.time.min, tzinfo=tz)})
    if before:
        queryset = queryset.filter(
            **{f"{field}__lt": dt.datetime.combine(before + dt.timedelta(days=1), dt.time.min, tzinfo=tz)}
        )
    return queryset


@api.get("/records", response={200: RecordPage, **ERRORS}, summary="政府信息公开目录", tags=["政府信息"])
def records(request, filters: Query[RecordFilters], page: Query[PageParams]):
    queryset = public_records()
    if filters.q is not None and filters.q.strip():
        query = _query_or_error(filters.q)
        matched = documents_matching(query=query).filter(source="record").values("object_id")
        queryset = queryset.filter(pk__in=matched)
    if filters.publisher:
        queryset = queryset.filter(publisher_id=filters.publisher)
    if filters.topic:
        queryset = queryset.filter(topic_id=filters.topic)
    if filters.year:
        queryset = _date_filters(queryset, "published_at", dt.date(filters.year, 1, 1), dt.date(filters.year, 12, 31))
    if filters.validity:
        queryset = queryset.filter(validity=filters.validity)
    if filters.document_number:
        queryset = queryset.filter(document_number=normalize_document_number(_checked_text(filters.document_number)))
    queryset = _date_filters(queryset, "published_at", filters.published_after, filters.published_before)
    return keyset_page(request, queryset, cursor=_checked_text(page.cursor), limit=page.limit, serialize=record_data)


@api.get("/records/{path:index_number}", response={200: RecordDetail, 404: Problem}, summary="一条政府信息",
         tags=["政府信息"])
def record_detail(request, index_number: str):
    if _has_control(index_number):
        raise Http404
    record = public_records().prefetch_related("attachments").filter(index_number=index_number).first()
    if record is None:
        return Status(404, {"detail": "没有这条已公开的政府信息。"})
    data = record_data(request, record)
    data["body_html"] = record.body
    data["attachments"] = [
        {"title": a.title, "url": request.build_absolute_uri(a.file.url), "size": a.size, "extension": a.extension}
        for a in record.attachments.all()
    ]
    return data


def _has_control(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


# Search across every content type ----------------------------------------------------------


class SearchHit(Schema):
    type: str = Field(description="record 政府信息、reply 提案答复、fact 治理数据")
    title: str
    url: str
    published_at: dt.datetime
    publisher: NamedRef | None
    topic: NamedRef | None


class SearchPage(Schema):
    count: int
    results: list[SearchHit]


@api.get("/search", response={200: SearchPage, **ERRORS}, summary="站内检索（按相关度，前 100 条）", tags=["检索"])
def search_api(request, q: str = Query(..., max_length=MAX_QUERY_LENGTH, description="检索词"),
               limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)):
    found = search(query=_query_or_error(q))
    return {
        "count": found.count,
        "results": [
            {"type": d.source, "title": d.title, "url": request.build_absolute_uri(d.url),
             "published_at": d.published_at, "publisher": _ref(d.publisher), "topic": _ref(d.topic)}
            for d in found.queryset[:limit]
        ],
    }


# Proposal replies --------------------------------------------------------------------------


class ProposalRef(Schema):
    reference: str = Field(description="如 政协官渡区十届二次会议第102114号提案")
    session: str
    year: int
    number: str
    kind: Literal["proposal", "suggestion", "motion"]
    title: str
    lead_member: str = Field(description="领衔人姓名（不含任何联系方式）")
    url: str


class ReplyOut(Schema):
    id: int
    proposal: ProposalRef
    answering_unit: NamedRef
    replied_on: dt.date | None
    category: str | None = Field(description="办理结果分类代码，如 A")
    publication_mode: Literal["full", "summary", "withheld"] = Field(description="全文公开、摘要公开、不公开")
    mode_reason: str
    text_html: str = Field(description="公开的答复全文或摘要（已净化的 HTML）；不公开时为空")
    is_rehandling: bool
    corrected_at: dt.datetime | None
    published_at: dt.datetime
    record_index_number: str | None = Field(description="作为政府信息公开记录发布时的索引号")
    url: str


class ReplyPage(Schema):
    results: list[ReplyOut]
    next_cursor: str | None
    next: str | None


class ReplyFilters(Schema):
    q: str | None = Field(None, max_length=MAX_QUERY_LENGTH, description="检索词")
    session: int | None = Field(None, ge=1, le=MAX_ID, description="届次会议 id")
    year: int | None = Field(None, ge=1949, le=2100, description="会议年度")
    number: str | None = Field(None, max_length=40, description="提案编号，如 102114")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="答复单位 id")
    category: str | None = Field(None, max_length=2, description="办理结果分类代码")


def reply_data(request, reply) -> dict:
    proposal = reply.proposal
    record = reply.record if reply.record_id and reply.record.is_public else None
    return {
        "id": reply.pk,
        "proposal": {
            "reference": proposal.reference, "session": proposal.session.full_name, "year": proposal.session.year,
            "number": proposal.number, "kind": proposal.kind, "title": proposal.title,
            "lead_member": proposal.lead_member.name,
            "url": request.build_absolute_uri(proposal.get_absolute_url()),
        },
        "answering_unit": _ref(reply.answering_unit),
        "replied_on": reply.replied_on,
        "category": reply.category.code if reply.category_id else None,
        "publication_mode": reply.publication_mode,
        "mode_reason": reply.mode_reason,
        "text_html": reply.public_text,
        "is_rehandling": reply.is_rehandling,
        "corrected_at": reply.corrected_at,
        "published_at": reply_public_from(reply),
        "record_index_number": record.index_number if record else None,
        "url": request.build_absolute_uri(reply_url(reply)),
    }


@api.get("/replies", response={200: ReplyPage, **ERRORS}, summary="建议提案答复", tags=["建议提案"])
def replies(request, filters: Query[ReplyFilters], page: Query[PageParams]):
    queryset = Reply.objects.public().select_related(
        "proposal__session__assembly", "proposal__lead_member", "answering_unit", "record", "category"
    )
    if filters.q is not None and filters.q.strip():
        matched = documents_matching(query=_query_or_error(filters.q)).filter(source="reply").values("object_id")
        queryset = queryset.filter(pk__in=matched)
    if filters.session:
        queryset = queryset.filter(proposal__session_id=filters.session)
    if filters.year:
        queryset = queryset.filter(proposal__session__year=filters.year)
    if filters.number:
        queryset = queryset.filter(proposal__number=normalize_proposal_number(_checked_text(filters.number)))
    if filters.unit:
        queryset = queryset.filter(answering_unit_id=filters.unit)
    if filters.category:
        queryset = queryset.filter(category__code=_checked_text(filters.category).upper())
    return keyset_page(request, queryset, cursor=_checked_text(page.cursor), limit=page.limit, serialize=reply_data)


# Governance facts --------------------------------------------------------------------------


class SourceRef(Schema):
    index_number: str
    title: str
    published_at: dt.datetime
    url: str = Field(description="来源记录网页，定位到原文语句")


class FactOut(Schema):
    id: int
    metric: str = Field(description="指标标识")
    metric_name: str
    category: str
    value: float
    unit: str
    approximation: Literal["", "nearly", "over"] = Field(description="约数：近（nearly）、多（over）")
    display_value: str
    figure_text: str = Field(description="原文中的数字表述")
    period: str
    period_end: dt.date
    scope: Literal["district", "street", "community"]
    place: str
    sentence: str = Field(description="原文语句")
    source: SourceRef
    url: str


class FactPage(Schema):
    results: list[FactOut]
    next_cursor: str | None
    next: str | None


class FactFilters(Schema):
    metric: str | None = Field(None, max_length=50, description="指标标识（slug）")
    scope: Literal["district", "street", "community"] | None = None
    street: int | None = Field(None, ge=1, le=MAX_ID, description="街道 id（含其下社区）")
    source: str | None = Field(None, max_length=64, description="来源记录索引号")


def fact_data(request, fact) -> dict:
    record = fact.source_record
    return {
        "id": fact.pk,
        "metric": fact.metric.slug,
        "metric_name": fact.metric.name,
        "category": fact.category,
        "value": float(fact.value),
        "unit": fact.unit,
        "approximation": fact.approximation,
        "display_value": fact.display_value,
        "figure_text": fact.figure_text,
        "period": fact.period,
        "period_end": fact.period_end,
        "scope": fact.scope,
        "place": fact.scope_label,
        "sentence": fact.sentence,
        "source": {
            "index_number": record.index_number, "title": record.title, "published_at": record.published_at,
            "url": request.build_absolute_uri(fact.source_url),
        },
        "url": request.build_absolute_uri(f"{fact.metric.get_absolute_url()}#row-{fact.anchor}"),
    }


@api.get("/facts", response={200: FactPage, **ERRORS}, summary="社区治理数据（均注明来源语句）", tags=["社区治理"])
def facts(request, filters: Query[FactFilters], page: Query[PageParams]):
    queryset = Fact.objects.public().for_display()
    if filters.metric:
        queryset = queryset.filter(metric__slug=_checked_text(filters.metric))
    if filters.scope:
        queryset = queryset.filter(scope=filters.scope)
    if filters.street:
        queryset = queryset.filter(Q(street_id=filters.street) | Q(community__street_id=filters.street))
    if filters.source:
        queryset = queryset.filter(source_record__index_number=_checked_text(filters.source))
    return keyset_page(request, queryset, cursor=_checked_text(page.cursor), limit=page.limit,
                       field="source_record__published_at", serialize=fact_data)
