"""Read-only open-data API under /api/v1/ (plain Django views; see docs/open-data.md and
docs/decisions/0007-open-data-api-plain-django.md). Only public items: never drafts, scheduled
or withdrawn records, never members' contact details. Lists use keyset cursors, so deep pages
stay cheap.

Each endpoint declares its query parameters as Django forms; the same forms validate a request
(422 when they reject it) and describe the parameters in /api/v1/openapi.json, so the schema
cannot drift from what is checked. Response schemas sit beside the functions building the
payloads, and schemathesis holds every response to them (tests/opendata/test_api.py)."""

import base64
import binascii
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable
from http import HTTPStatus
from types import SimpleNamespace

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.http import JsonResponse
from django.urls import path
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from communities.models import Fact
from communities.serializers import fact_record
from core.dates import FIRST_YEAR, LAST_YEAR, local_day_range, local_year_range
from core.text import has_control_characters
from disclosures import selectors as disclosure_selectors
from disclosures.document_numbers import normalize_document_number
from disclosures.models import DisclosureRecord
from proposals.models import Proposal, Reply, normalize_proposal_number
from proposals.selectors import reply_public_from, reply_url
from search.query import MAX_QUERY_LENGTH, QueryError, parse_query
from search.selectors import documents_matching, search

MAX_ID = 2**63 - 1
DEFAULT_LIMIT, MAX_LIMIT = 20, 100

INFO = {
    "title": "政府信息公开开放数据接口",
    "version": "1.0.0",
    "description": (
        "只读接口：政府信息公开目录、提案答复与社区治理数据。只返回已公开的内容；"
        "列表按发布时间倒序，用 next_cursor 翻页。字段说明见 docs/open-data.md。"
    ),
}


class ApiError(Exception):
    """Answered as {"detail": detail} with `status`: a message, or a list of parameter errors (422)."""

    def __init__(self, detail, status=400):
        super().__init__(detail)
        self.detail = detail
        self.status = status


def json_response(data, status=200):
    # Chinese as characters, not \uXXXX escapes: readable, and a third smaller. Django's encoder
    # writes dates and times as ISO 8601 (UTC as Z, milliseconds), as the API always has.
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False},
                        content_type="application/json; charset=utf-8")


def read_only(view):
    """GET only (405 otherwise; no CSRF check, as nothing changes), the view's data as JSON, and an
    ApiError as {"detail": …} with its status."""

    @csrf_exempt
    @require_GET
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return json_response(view(request, *args, **kwargs))
        except ApiError as error:
            return json_response({"detail": error.detail}, status=error.status)

    return wrapper


def _checked_text(value: str | None) -> str | None:
    """Text parameters reach SQL only without control characters (PostgreSQL rejects NUL)."""
    if value is not None and has_control_characters(value):
        raise ApiError("参数含有控制字符。")
    return value


# Query parameters --------------------------------------------------------------------------


class Text(forms.CharField):
    """A text parameter as sent: not stripped, None when absent but "" when empty (`/search?q=`
    is the query parser's 400, not a missing parameter), and control characters left to the
    view, which refuses them with a 400 rather than a 422."""

    def __init__(self, *, required=False, **kwargs):
        super().__init__(required=required, strip=False, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value):
        return value

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class ApiForm(forms.Form):
    """The query parameters of one endpoint. Absent ones take the field's `initial` (also the
    schema's default); an empty typed one (`?year=`) is an error, not "no filter"."""

    def clean(self):
        for name, field in self.fields.items():
            if self.data.get(name) == "" and not isinstance(field, Text):
                self.add_error(name, forms.ValidationError("参数值不能为空。", code="blank"))
            elif name in self.cleaned_data and self.cleaned_data[name] is None and field.initial is not None:
                self.cleaned_data[name] = field.initial
        return self.cleaned_data


def _id(help_text):
    return forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


def _year(help_text):
    return forms.IntegerField(required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR, help_text=help_text)


def _date(help_text):
    return forms.DateField(required=False, input_formats=["%Y-%m-%d"], help_text=help_text)


LIMIT = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, initial=DEFAULT_LIMIT,
                           help_text="每页条数")


class PageParams(ApiForm):
    cursor = Text(max_length=200, help_text="上一页返回的 next_cursor")
    limit = LIMIT


def validated(request, query_forms) -> SimpleNamespace:
    """The cleaned parameters of all `query_forms`, or an ApiError listing every problem (422)."""
    bound = [form(request.GET) for form in query_forms]
    problems = [
        {"type": error["code"], "loc": ["query", name], "msg": error["message"]}
        for form in bound for name, errors in form.errors.get_json_data().items() for error in errors
    ]
    if problems:
        raise ApiError(problems, status=422)
    return SimpleNamespace(**{name: value for form in bound for name, value in form.cleaned_data.items()})


# Endpoints and the OpenAPI document --------------------------------------------------------


@dataclasses.dataclass
class Operation:
    route: str  # a Django path pattern under /api/v1/
    view: Callable
    summary: str
    tag: str
    response: dict  # schema of the 200 body
    query: tuple  # ApiForm classes
    errors: tuple  # statuses besides 200


OPERATIONS: list[Operation] = []


def endpoint(route, *, summary, tag, response, query=(), errors=None):
    """A documented read-only endpoint. The view gets the parameters the `query` forms
    validated, as one namespace. `errors` are the statuses it answers besides 200: by default,
    with parameters a request can be unusable (400) or invalid (422); without, neither."""
    if errors is None:
        errors = (400, 422) if query else ()

    def register(view):
        @functools.wraps(view)
        def with_params(request, **kwargs):
            return view(request, validated(request, query), **kwargs) if query else view(request, **kwargs)

        wrapped = read_only(with_params)
        OPERATIONS.append(Operation(route, wrapped, summary, tag, response, query, errors))
        return wrapped

    return register


def _parameter(name, field):
    """A form field as an OpenAPI query parameter, with the limits the field enforces."""
    if isinstance(field, forms.IntegerField):
        schema = {"type": "integer", "minimum": field.min_value, "maximum": field.max_value}
    elif isinstance(field, forms.ChoiceField):
        schema = {"type": "string", "enum": [value for value, _label in field.choices]}
    elif isinstance(field, forms.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, forms.CharField):
        schema = {"type": "string", "maxLength": field.max_length}
    else:
        raise TypeError(f"{name}: no OpenAPI type for {type(field).__name__}")
    schema = {key: value for key, value in schema.items() if value is not None}
    if field.initial is not None:
        schema["default"] = field.initial
    parameter = {"in": "query", "name": name, "required": field.required, "schema": schema}
    if field.help_text:
        parameter["description"] = str(field.help_text)
    return parameter


PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def openapi_document(base):
    paths = {}
    for op in OPERATIONS:
        parameters = [{"in": "path", "name": name, "required": True, "schema": STRING}
                      for name in PATH_PARAMETER.findall(op.route)]
        parameters += [_parameter(name, field) for form in op.query for name, field in form.base_fields.items()]
        responses = {200: op.response} | {
            code: component("ValidationProblem" if code == 422 else "Problem") for code in op.errors
        }
        paths[base + PATH_PARAMETER.sub(r"{\1}", op.route)] = {"get": {
            # django-ninja's operation ids, so clients generated from the schema keep their names
            "operationId": f"search_api_{op.view.__name__}",
            "summary": op.summary,
            "parameters": parameters,
            "responses": {
                str(code): {"description": HTTPStatus(code).phrase, "content": {"application/json": {"schema": schema}}}
                for code, schema in responses.items()
            },
            "tags": [op.tag],
        }}
    return {"openapi": "3.1.0", "info": INFO, "paths": paths, "components": {"schemas": SCHEMAS}}


# Response schemas (JSON Schema, as OpenAPI 3.1 uses it) --------------------------------------

STRING, INTEGER, NUMBER, BOOLEAN = ({"type": name} for name in ("string", "integer", "number", "boolean"))
DATE, DATETIME = {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}


def component(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def array(schema):
    return {"type": "array", "items": schema}


def enum(values):
    return {"type": "string", "enum": list(values)}


def described(schema, description):
    return {**schema, "description": description}


def struct(**properties):
    return {"type": "object", "properties": properties, "required": list(properties)}


def page_of(name):
    return struct(results=array(component(name)), next_cursor=nullable(STRING), next=nullable(STRING))


SCHEMAS = {
    "Problem": struct(detail=STRING),
    "ValidationProblem": struct(detail=array({"type": "object"})),
}


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
        # In UTC, as the database compares it: a crafted offset near the calendar's end
        # (9999-12-31T23:59:59-14:00) overflows here, not in the database driver.
        return moment.astimezone(dt.UTC), pk
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error) as error:
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


# Vocabularies ------------------------------------------------------------------------------

SCHEMAS["NamedRef"] = struct(id=INTEGER, name=STRING)


def _ref(obj):
    return {"id": obj.pk, "name": obj.name} if obj else None


@endpoint("publishers", summary="发布机构", tag="词表", response=array(component("NamedRef")))
def publishers(request):
    return [_ref(org) for org in disclosure_selectors.catalogue_facets()["publishers"]]


@endpoint("topics", summary="主题分类", tag="词表", response=array(component("NamedRef")))
def topics(request):
    return [_ref(topic) for topic in disclosure_selectors.catalogue_facets()["topics"]]


# Disclosure records ------------------------------------------------------------------------

RECORD_FIELDS = dict(
    index_number=described(STRING, "索引号"),
    title=described(STRING, "名称"),
    url=described(STRING, "网页地址"),
    publisher=described(component("NamedRef"), "发布机构"),
    drafting_org=described(nullable(component("NamedRef")), "成文机构"),
    document_number=described(STRING, "文号（可为空）"),
    written_date=described(nullable(DATE), "成文日期"),
    published_at=described(DATETIME, "发布日期"),
    topic=described(component("NamedRef"), "主题分类"),
    genre=described(nullable(component("NamedRef")), "体裁分类"),
    keywords=described(array(STRING), "关键字"),
    summary=described(STRING, "内容概述"),
    validity=described(enum(DisclosureRecord.Validity.values), "有效性：valid 有效、expired 失效、repealed 废止"),
    effective_date=nullable(DATE),
    invalid_date=nullable(DATE),
    superseded_by=described(nullable(STRING), "替代文件的索引号（仅当其已公开）"),
    updated_at=DATETIME,
)
SCHEMAS["Record"] = struct(**RECORD_FIELDS)
SCHEMAS["RecordPage"] = page_of("Record")
SCHEMAS["Attachment"] = struct(title=STRING, url=STRING, size=INTEGER, extension=STRING)
SCHEMAS["RecordDetail"] = struct(
    **RECORD_FIELDS, body_html=described(STRING, "正文（已净化的 HTML）"), attachments=array(component("Attachment"))
)


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


class RecordFilters(ApiForm):
    q = Text(max_length=MAX_QUERY_LENGTH, help_text="检索词（与站内搜索相同的规则）")
    publisher = _id("发布机构 id（见 /publishers）")
    topic = _id("主题分类 id（见 /topics）")
    year = _year("发布年份")
    validity = forms.ChoiceField(required=False, choices=DisclosureRecord.Validity.choices)
    document_number = Text(max_length=100, help_text="文号，完全一致")
    published_after = _date("发布日期不早于")
    published_before = _date("发布日期不晚于")


def public_records():
    return DisclosureRecord.objects.published().select_related(
        "publisher", "drafting_org", "topic", "genre", "superseded_by"
    )


def _query_or_error(q):
    try:
        return parse_query(q)
    except QueryError as error:
        raise ApiError(str(error)) from error


@endpoint("records", summary="政府信息公开目录", tag="政府信息", response=component("RecordPage"),
          query=(RecordFilters, PageParams))
def records(request, params):
    queryset = public_records()
    if params.q is not None and params.q.strip():
        query = _query_or_error(params.q)
        matched = documents_matching(query=query).filter(source="record").values("object_id")
        queryset = queryset.filter(pk__in=matched)
    if params.publisher:
        queryset = queryset.filter(publisher_id=params.publisher)
    if params.topic:
        queryset = queryset.filter(topic_id=params.topic)
    if params.year:
        queryset = queryset.filter(local_year_range("published_at", params.year))
    if params.validity:
        queryset = queryset.filter(validity=params.validity)
    if params.document_number:
        queryset = queryset.filter(document_number=normalize_document_number(_checked_text(params.document_number)))
    queryset = queryset.filter(local_day_range("published_at", params.published_after, params.published_before))
    return keyset_page(request, queryset, cursor=_checked_text(params.cursor), limit=params.limit,
                       serialize=record_data)


@endpoint("records/<path:index_number>", summary="一条政府信息", tag="政府信息", response=component("RecordDetail"),
          errors=(404,))
def record_detail(request, index_number):
    if has_control_characters(index_number):
        raise ApiError("Not Found", status=404)
    record = public_records().prefetch_related("attachments").filter(index_number=index_number).first()
    if record is None:
        raise ApiError("没有这条已公开的政府信息。", status=404)
    data = record_data(request, record)
    data["body_html"] = record.body
    data["attachments"] = [
        {"title": a.title, "url": request.build_absolute_uri(a.file.url), "size": a.size, "extension": a.extension}
        for a in record.attachments.all()
    ]
    return data


# Search across every content type ----------------------------------------------------------

SCHEMAS["SearchHit"] = struct(
    type=described(STRING, "record 政府信息、reply 提案答复、fact 治理数据"),
    title=STRING,
    url=STRING,
    published_at=DATETIME,
    publisher=nullable(component("NamedRef")),
    topic=nullable(component("NamedRef")),
)
SCHEMAS["SearchPage"] = struct(count=INTEGER, results=array(component("SearchHit")))


class SearchParams(ApiForm):
    q = Text(required=True, max_length=MAX_QUERY_LENGTH, help_text="检索词")
    limit = LIMIT


@endpoint("search", summary="站内检索（按相关度，前 100 条）", tag="检索", response=component("SearchPage"),
          query=(SearchParams,))
def search_api(request, params):
    found = search(query=_query_or_error(params.q))
    return {
        "count": found.count,
        "results": [
            {"type": d.source, "title": d.title, "url": request.build_absolute_uri(d.url),
             "published_at": d.published_at, "publisher": _ref(d.publisher), "topic": _ref(d.topic)}
            for d in found.queryset[:params.limit]
        ],
    }


# Proposal replies --------------------------------------------------------------------------

SCHEMAS["ProposalRef"] = struct(
    reference=described(STRING, "如 政协官渡区十届二次会议第102114号提案"),
    session=STRING,
    year=INTEGER,
    number=STRING,
    kind=enum(Proposal.Kind.values),
    title=STRING,
    lead_member=described(STRING, "领衔人姓名（不含任何联系方式）"),
    url=STRING,
)
SCHEMAS["ReplyOut"] = struct(
    id=INTEGER,
    proposal=component("ProposalRef"),
    answering_unit=component("NamedRef"),
    replied_on=nullable(DATE),
    category=described(nullable(STRING), "办理结果分类代码，如 A"),
    publication_mode=described(enum(Reply.PublicationMode.values), "全文公开、摘要公开、不公开"),
    mode_reason=STRING,
    text_html=described(STRING, "公开的答复全文或摘要（已净化的 HTML）；不公开时为空"),
    is_rehandling=BOOLEAN,
    corrected_at=nullable(DATETIME),
    published_at=DATETIME,
    record_index_number=described(nullable(STRING), "作为政府信息公开记录发布时的索引号"),
    url=STRING,
)
SCHEMAS["ReplyPage"] = page_of("ReplyOut")


class ReplyFilters(ApiForm):
    q = Text(max_length=MAX_QUERY_LENGTH, help_text="检索词")
    session = _id("届次会议 id")
    year = _year("会议年度")
    number = Text(max_length=40, help_text="提案编号，如 102114")
    unit = _id("答复单位 id")
    category = Text(max_length=2, help_text="办理结果分类代码")


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


@endpoint("replies", summary="建议提案答复", tag="建议提案", response=component("ReplyPage"),
          query=(ReplyFilters, PageParams))
def replies(request, params):
    queryset = Reply.objects.public().select_related(
        "proposal__session__assembly", "proposal__lead_member", "answering_unit", "record", "category"
    )
    if params.q is not None and params.q.strip():
        matched = documents_matching(query=_query_or_error(params.q)).filter(source="reply").values("object_id")
        queryset = queryset.filter(pk__in=matched)
    if params.session:
        queryset = queryset.filter(proposal__session_id=params.session)
    if params.year:
        queryset = queryset.filter(proposal__session__year=params.year)
    if params.number:
        queryset = queryset.filter(proposal__number=normalize_proposal_number(_checked_text(params.number)))
    if params.unit:
        queryset = queryset.filter(answering_unit_id=params.unit)
    if params.category:
        queryset = queryset.filter(category__code=_checked_text(params.category).upper())
    return keyset_page(request, queryset, cursor=_checked_text(params.cursor), limit=params.limit,
                       serialize=reply_data)


# Governance facts --------------------------------------------------------------------------

SCHEMAS["SourceRef"] = struct(
    index_number=STRING,
    title=STRING,
    published_at=DATETIME,
    url=described(STRING, "来源记录网页，定位到原文语句"),
)
SCHEMAS["FactOut"] = struct(
    id=INTEGER,
    metric=described(STRING, "指标标识"),
    metric_name=STRING,
    category=STRING,
    value=NUMBER,
    unit=STRING,
    approximation=described(enum(Fact.Approximation.values), "约数：近（nearly）、多（over）"),
    display_value=STRING,
    figure_text=described(STRING, "原文中的数字表述"),
    period=STRING,
    period_end=DATE,
    scope=enum(Fact.Scope.values),
    place=STRING,
    sentence=described(STRING, "原文语句"),
    source=component("SourceRef"),
    url=STRING,
)
SCHEMAS["FactPage"] = page_of("FactOut")


class FactFilters(ApiForm):
    metric = Text(max_length=50, help_text="指标标识（slug）")
    scope = forms.ChoiceField(required=False, choices=Fact.Scope.choices)
    street = _id("街道 id（含其下社区）")
    source = Text(max_length=64, help_text="来源记录索引号")


def fact_data(request, fact) -> dict:
    return fact_record(fact, absolute_url=request.build_absolute_uri)


@endpoint("facts", summary="社区治理数据（均注明来源语句）", tag="社区治理", response=component("FactPage"),
          query=(FactFilters, PageParams))
def facts(request, params):
    queryset = Fact.objects.public().for_display()
    if params.metric:
        queryset = queryset.filter(metric__slug=_checked_text(params.metric))
    if params.scope:
        queryset = queryset.filter(scope=params.scope)
    if params.street:
        queryset = queryset.filter(Q(street_id=params.street) | Q(community__street_id=params.street))
    if params.source:
        queryset = queryset.filter(source_record__index_number=_checked_text(params.source))
    return keyset_page(request, queryset, cursor=_checked_text(params.cursor), limit=params.limit,
                       field="source_record__published_at", serialize=fact_data)


# The schema and the URLconf ----------------------------------------------------------------


@read_only
def openapi_json(request):
    return openapi_document(base=request.path.removesuffix("openapi.json"))


# Included by opendata/urls.py at /api/v1/ under the namespace "api-v1".
urlpatterns = [
    path("openapi.json", openapi_json, name="openapi-json"),
    *(path(op.route, op.view, name=op.view.__name__) for op in OPERATIONS),
]
