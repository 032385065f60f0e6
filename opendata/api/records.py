"""Vocabularies, disclosure records and search across every content type."""

from django import forms

from core.text import has_control_characters
from disclosures import selectors as disclosure_selectors
from disclosures.filters import RecordApiFilter
from disclosures.models import DisclosureRecord, Organization
from search.query import MAX_QUERY_LENGTH, QueryError, parse_query
from search.selectors import documents_matching, search

from .cursors import keyset_page
from .framework import (
    DATE,
    DATETIME,
    INTEGER,
    LIMIT,
    SCHEMAS,
    STRING,
    ApiError,
    ApiForm,
    PageParams,
    Text,
    array,
    checked_text,
    component,
    date_param,
    described,
    endpoint,
    enum,
    filter_values,
    id_param,
    nullable,
    page_of,
    struct,
    year_param,
)

# Vocabularies ------------------------------------------------------------------------------

SCHEMAS["NamedRef"] = struct(id=INTEGER, name=STRING)


def ref(obj):
    return {"id": obj.pk, "name": obj.name} if obj else None


@endpoint(
    "publishers",
    summary="发布机构：政府信息的发布机构、建议提案的答复单位、依申请公开的答复机关",
    tag="词表",
    response=array(component("NamedRef")),
)
def publishers(request):
    # Every id a result names (a search hit's publisher, a reply's answering_unit) is listed
    # here, and nothing only a draft or an unpublished item refers to.
    from inforequests.models import Case
    from proposals.models import Reply

    ids = {org.pk for org in disclosure_selectors.catalogue_facets()["publishers"]}
    ids |= set(Reply.objects.public().values_list("answering_unit", flat=True).order_by().distinct())
    ids |= set(Case.objects.published().values_list("agency", flat=True).order_by().distinct())
    return [ref(org) for org in Organization.objects.filter(pk__in=ids).order_by("name")]


@endpoint("topics", summary="主题分类", tag="词表", response=array(component("NamedRef")))
def topics(request):
    return [ref(topic) for topic in disclosure_selectors.catalogue_facets()["topics"]]


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
    disclosure_mode=described(
        enum(DisclosureRecord.DisclosureMode.values),
        "公开方式：proactive 主动公开（公开正文和附件）、on_request 依申请公开、withheld 不予公开（只公开目录要素）",
    ),
    withheld_reason=described(STRING, "不予公开理由"),
    effective_date=nullable(DATE),
    invalid_date=nullable(DATE),
    superseded_by=described(nullable(STRING), "替代文件的索引号（仅当其已公开）"),
    interprets=described(nullable(STRING), "政策解读所解读文件的索引号（仅当其已公开）"),
    updated_at=DATETIME,
)
SCHEMAS["Record"] = struct(**RECORD_FIELDS)
SCHEMAS["RecordPage"] = page_of("Record")
SCHEMAS["Attachment"] = struct(title=STRING, url=STRING, size=INTEGER, extension=STRING)
SCHEMAS["RecordDetail"] = struct(
    **RECORD_FIELDS, body_html=described(STRING, "正文（已净化的 HTML）"), attachments=array(component("Attachment"))
)


def record_data(request, record) -> dict:
    superseded, interpreted = record.public_successor, record.public_interpreted
    return {
        "index_number": record.index_number,
        "title": record.title,
        "url": request.build_absolute_uri(record.get_absolute_url()),
        "publisher": ref(record.publisher),
        "drafting_org": ref(record.drafting_org),
        "document_number": record.document_number,
        "written_date": record.written_date,
        "published_at": record.published_at,
        "topic": ref(record.topic),
        "genre": ref(record.genre),
        "keywords": record.keyword_list,
        "summary": record.summary,
        "validity": record.validity,
        "disclosure_mode": record.disclosure_mode,
        "withheld_reason": record.withheld_reason,
        "effective_date": record.effective_date,
        "invalid_date": record.invalid_date,
        "superseded_by": superseded.index_number if superseded else None,
        "interprets": interpreted.index_number if interpreted else None,
        "updated_at": record.updated_at,
    }


class RecordFilters(ApiForm):
    q = Text(max_length=MAX_QUERY_LENGTH, help_text="检索词（与站内搜索相同的规则）")
    publisher = id_param("发布机构 id（见 /publishers）")
    topic = id_param("主题分类 id（见 /topics）")
    year = year_param("发布年份")
    validity = forms.ChoiceField(required=False, choices=DisclosureRecord.Validity.choices)
    document_number = Text(max_length=100, help_text="文号，完全一致")
    published_after = date_param("发布日期不早于")
    published_before = date_param("发布日期不晚于")


def public_records():
    return DisclosureRecord.objects.published().select_related(
        "publisher", "drafting_org", "topic", "genre", "superseded_by", "interprets"
    )


def query_or_error(q):
    try:
        return parse_query(q)
    except QueryError as error:
        raise ApiError(f"参数 q：{error}") from error  # the site search's message, never the query


@endpoint(
    "records",
    summary="政府信息公开目录",
    tag="政府信息",
    response=component("RecordPage"),
    query=(RecordFilters, PageParams),
)
def records(request, params):
    queryset = public_records()
    if params.q is not None and params.q.strip():
        query = query_or_error(params.q)
        matched = documents_matching(query=query).filter(source="record").values("object_id")
        queryset = queryset.filter(pk__in=matched)
    queryset = RecordApiFilter.apply(queryset, filter_values(params, RecordFilters))
    return keyset_page(
        request, queryset, cursor=checked_text(params.cursor, "cursor"), limit=params.limit, serialize=record_data
    )


@endpoint(
    "records/<textpath:index_number>",
    summary="一条政府信息",
    tag="政府信息",
    response=component("RecordDetail"),
    errors=(404,),
)
def record_detail(request, index_number):
    if has_control_characters(index_number):
        raise ApiError("Not Found", status=404)
    record = public_records().prefetch_related("attachments").filter(index_number=index_number).first()
    if record is None:
        raise ApiError("没有这条已公开的政府信息。", status=404)
    data = record_data(request, record)
    data["body_html"] = record.public_body
    attachments = record.attachments.all() if record.publishes_content else []
    data["attachments"] = [
        {
            "title": a.title,
            "url": request.build_absolute_uri(a.get_absolute_url()),
            "size": a.size,
            "extension": a.extension,
        }
        for a in attachments
    ]
    return data


# Search across every content type ----------------------------------------------------------

SCHEMAS["SearchHit"] = struct(
    type=described(STRING, "record 政府信息、reply 提案答复、fact 治理数据、inforequest 依申请公开答复"),
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


@endpoint(
    "search",
    summary="站内检索（按相关度，前 100 条）",
    tag="检索",
    response=component("SearchPage"),
    query=(SearchParams,),
)
def search_api(request, params):
    found = search(query=query_or_error(params.q))
    return {
        "count": found.count,
        "results": [
            {
                "type": d.source,
                "title": d.title,
                "url": request.build_absolute_uri(d.url),
                "published_at": d.published_at,
                "publisher": ref(d.publisher),
                "topic": ref(d.topic),
            }
            for d in found.queryset[: params.limit]
        ],
    }
