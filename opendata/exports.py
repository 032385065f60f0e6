"""The published columns of the catalogue CSV (documented in docs/open-data.md).

Only public fields: no status, no internal notes."""

from core.csv import Column


def _name(obj):
    return obj.name if obj else ""


def record_columns(absolute_url) -> list[Column]:
    return [
        Column("索引号", lambda r: r.index_number),
        Column("名称", lambda r: r.title),
        Column("发布机构", lambda r: _name(r.publisher)),
        Column("成文机构", lambda r: _name(r.drafting_org)),
        Column("文号", lambda r: r.document_number),
        Column("主题分类", lambda r: _name(r.topic)),
        Column("体裁分类", lambda r: _name(r.genre)),
        Column("关键字", lambda r: r.keywords),
        Column("成文日期", lambda r: r.written_date),
        Column("发布日期", lambda r: r.published_at),
        Column("有效性", lambda r: r.get_validity_display()),
        Column("生效日期", lambda r: r.effective_date),
        Column("失效/废止日期", lambda r: r.invalid_date),
        Column("公开方式", lambda r: r.get_disclosure_mode_display()),
        Column("内容概述", lambda r: r.summary),
        Column("网址", lambda r: absolute_url(r.get_absolute_url())),
    ]


RECORD_CSV_RELATED = ("publisher", "drafting_org", "topic", "genre")
RECORD_CSV_DEFERRED = ("body", "withheld_reason")
