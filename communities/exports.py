"""Facts as rows for download (CSV, JSON): the same fields in both, sources as absolute links."""

from operator import itemgetter

from core.csv import Column, csv_rows

from .numbers import format_number
from .serializers import fact_record

COLUMNS = [
    ("metric", "指标标识"),
    ("metric_name", "指标"),
    ("category", "分项"),
    ("value", "数值"),
    ("unit", "单位"),
    ("approximation", "约数"),
    ("display_value", "显示值"),
    ("figure_text", "原文数字"),
    ("period", "时期"),
    ("period_end", "时期截止日"),
    ("scope", "范围"),
    ("place", "地点"),
    ("source_index_number", "来源索引号"),
    ("source_title", "来源标题"),
    ("source_published_at", "来源发布时间"),
    ("source_url", "来源链接（定位到原文语句）"),
    ("sentence", "原文语句"),
]
APPROXIMATION_WORDS = {"": "", "nearly": "近", "over": "多"}


def fact_row(fact, *, absolute_url) -> dict:
    data = fact_record(fact, absolute_url=absolute_url)
    source = data["source"]
    return {
        **{
            key: data[key]
            for key in (
                "metric",
                "metric_name",
                "category",
                "unit",
                "display_value",
                "figure_text",
                "period",
                "place",
                "sentence",
            )
        },
        "value": format_number(fact.value),
        "approximation": APPROXIMATION_WORDS.get(data["approximation"], ""),
        "period_end": data["period_end"].isoformat(),
        "scope": fact.get_scope_display(),
        "source_index_number": source["index_number"],
        "source_title": source["title"],
        "source_published_at": source["published_at"].isoformat(),
        "source_url": source["url"],
    }


def _json_value(text: str):
    return int(text) if "." not in text else float(text)


def facts_json(facts, *, absolute_url) -> list[dict]:
    rows = []
    for fact in facts:
        row = fact_row(fact, absolute_url=absolute_url)
        row["value"] = _json_value(row["value"])
        rows.append(row)
    return rows


def facts_csv(facts, *, absolute_url) -> str:
    """The same writer as every CSV download: UTF-8 with a BOM, formulas neutralised."""
    columns = [Column(title, itemgetter(key)) for key, title in COLUMNS]
    return "".join(csv_rows(columns, (fact_row(fact, absolute_url=absolute_url) for fact in facts)))
