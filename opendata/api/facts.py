"""Governance facts, each with the sentence it was quoted from."""

from django import forms

from communities.filters import FactApiFilter
from communities.models import Fact
from communities.serializers import fact_record

from .cursors import keyset_page
from .framework import (
    DATE,
    DATETIME,
    INTEGER,
    NUMBER,
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
    page_of,
    struct,
)

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
    street = id_param("街道 id（含其下社区）")
    source = Text(max_length=64, help_text="来源记录索引号")


def fact_data(request, fact) -> dict:
    return fact_record(fact, absolute_url=request.build_absolute_uri)


@endpoint(
    "facts",
    summary="社区治理数据（均注明来源语句）",
    tag="社区治理",
    response=component("FactPage"),
    query=(FactFilters, PageParams),
)
def facts(request, params):
    queryset = FactApiFilter.apply(Fact.objects.public().for_display(), filter_values(params, FactFilters))
    return keyset_page(
        request,
        queryset,
        cursor=checked_text(params.cursor, "cursor"),
        limit=params.limit,
        field="source_record__published_at",
        serialize=fact_data,
    )
