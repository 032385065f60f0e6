"""The published column lists of the CSV downloads (documented in docs/open-data.md).

Only public fields: no status, no internal notes, no contact details of members."""

from core.csv import Column
from disclosures.models import DisclosureRecord

from .registry import source_labels


def _name(obj):
    return obj.name if obj else ""


def search_columns(absolute_url) -> list[Column]:
    labels = source_labels()
    validity = dict(DisclosureRecord.Validity.choices)

    def field(label):
        return lambda d: next((value for name, value in d.fields if name == label), "")

    return [
        Column("类型", lambda d: labels.get(d.source, d.source)),
        Column("标题", lambda d: d.title),
        Column("文号", field("文号")),
        Column("索引号", field("索引号")),
        Column("提案号", field("提案号")),
        Column("发布机构", lambda d: _name(d.publisher)),
        Column("主题分类", lambda d: _name(d.topic)),
        Column("发布日期", lambda d: d.published_at),
        Column("有效性", lambda d: validity.get(d.validity, "")),
        Column("网址", lambda d: absolute_url(d.url)),
    ]
