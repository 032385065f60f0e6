"""Replies to proposals: public ones only, never members' contact details."""

from proposals.filters import ReplyApiFilter
from proposals.models import Proposal, Reply
from proposals.selectors import reply_public_from, reply_url
from search.query import MAX_QUERY_LENGTH
from search.selectors import documents_matching

from .cursors import keyset_page
from .framework import (
    BOOLEAN,
    DATE,
    DATETIME,
    INTEGER,
    SCHEMAS,
    STRING,
    ApiForm,
    PageParams,
    Text,
    checked_text,
    component,
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
from .records import query_or_error, ref

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
    session = id_param("届次会议 id")
    year = year_param("会议年度")
    number = Text(max_length=40, help_text="提案编号，如 102114")
    unit = id_param("答复单位 id")
    category = Text(max_length=2, help_text="办理结果分类代码")


def reply_data(request, reply) -> dict:
    proposal = reply.proposal
    record = reply.record if reply.record_id and reply.record.is_public else None
    return {
        "id": reply.pk,
        "proposal": {
            "reference": proposal.reference,
            "session": proposal.session.full_name,
            "year": proposal.session.year,
            "number": proposal.number,
            "kind": proposal.kind,
            "title": proposal.title,
            "lead_member": proposal.lead_member.name,
            "url": request.build_absolute_uri(proposal.get_absolute_url()),
        },
        "answering_unit": ref(reply.answering_unit),
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


@endpoint(
    "replies", summary="建议提案答复", tag="建议提案", response=component("ReplyPage"), query=(ReplyFilters, PageParams)
)
def replies(request, params):
    queryset = Reply.objects.public().select_related(
        "proposal__session__assembly", "proposal__lead_member", "answering_unit", "record", "category"
    )
    if params.q is not None and params.q.strip():
        matched = documents_matching(query=query_or_error(params.q)).filter(source="reply").values("object_id")
        queryset = queryset.filter(pk__in=matched)
    queryset = ReplyApiFilter.apply(queryset, filter_values(params, ReplyFilters))
    return keyset_page(
        request, queryset, cursor=checked_text(params.cursor, "cursor"), limit=params.limit, serialize=reply_data
    )
