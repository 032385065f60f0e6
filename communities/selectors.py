"""Reads for the 社区治理 pages. Everything shown to the public goes through `.public()`:
a figure whose source record is a draft, scheduled or withdrawn is never selected."""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from core.charts import bar_chart
from core.http import digits_value
from core.pagecache import cached_value
from core.site import site_settings

from .models import Community, Designation, Fact, Metric, Program, Street
from .numbers import format_number


@dataclass(frozen=True)
class RateDefinition:
    """A figure derived from two quoted figures of the same source and period."""

    slug: str
    title: str
    numerator: tuple[str, str]  # (metric slug, category)
    denominator: tuple[str, str]


RATES = [
    RateDefinition(
        "consultation-carried-out-rate",
        "社区协商事项落实率",
        ("consultation-carried-out", ""),
        ("consultation-matters", ""),
    ),
    RateDefinition(
        "exam-passes-junior-share", "社工考试通过人员中初级占比", ("exam-passes", "初级"), ("exam-passes", "")
    ),
    RateDefinition(
        "exam-passes-intermediate-share", "社工考试通过人员中中级占比", ("exam-passes", "中级"), ("exam-passes", "")
    ),
]


@dataclass(frozen=True)
class ChartDefinition:
    slug: str
    title: str
    rows: list  # [(metric slug, category, bar label)], all in one unit


CHARTS = [
    ChartDefinition(
        "consultation",
        "社区协商事项及落实数量",
        [("consultation-matters", "", "协商事项"), ("consultation-carried-out", "", "已落实")],
    ),
    ChartDefinition(
        "exam-passes",
        "社会工作职业水平考试通过人数",
        [("exam-passes", "初级", "初级"), ("exam-passes", "中级", "中级")],
    ),
    ChartDefinition(
        "pay", "社区工作者薪酬标准（每人每月，含五险）", [("pay-min", "", "下限"), ("pay-max", "", "上限")]
    ),
    ChartDefinition(
        "title-subsidy",
        "社区工作者职称补贴标准（每月）",
        [
            ("title-subsidy", "初级社工师", "初级社工师"),
            ("title-subsidy", "中级社工师", "中级社工师"),
            ("title-subsidy", "高级社工师", "高级社工师"),
        ],
    ),
]


@dataclass
class Rate:
    definition: RateDefinition
    numerator: Fact
    denominator: Fact
    value: Decimal
    approximate: bool = False

    @property
    def title(self):
        return self.definition.title

    @property
    def display_value(self) -> str:
        return f"{'约' if self.approximate else ''}{format_number(self.value)}%"

    @property
    def formula(self) -> str:
        return (
            f"{self.numerator.label} {self.numerator.display_value} ÷ {self.denominator.label} "
            f"{self.denominator.display_value} × 100% = {self.display_value}"
        )


@dataclass
class Headline:
    metric: Metric
    fact: Fact | None
    parts: list = field(default_factory=list)  # same source and period, by category


def _public_facts():
    return Fact.objects.public().for_display()


def _latest_key(fact: Fact):
    return (fact.period_end, fact.source_record.published_at, fact.pk)


def latest_by_metric(facts) -> dict:
    """{(metric slug, category): the newest fact}; older ones stay in the series, only not here."""
    latest = {}
    for fact in facts:
        key = (fact.metric.slug, fact.category)
        if key not in latest or _latest_key(fact) > _latest_key(latest[key]):
            latest[key] = fact
    return latest


def _same_basis(a: Fact, b: Fact) -> bool:
    return a.source_record_id == b.source_record_id and a.period == b.period and a.scope_label == b.scope_label


def compute_rate(definition: RateDefinition, facts_by_key: dict) -> Rate | None:
    """Only from two figures one source gives for the same period and scope; else no rate."""
    numerator = facts_by_key.get(definition.numerator)
    denominator = facts_by_key.get(definition.denominator)
    if numerator is None or denominator is None or not denominator.value or not _same_basis(numerator, denominator):
        return None
    value = (numerator.value * 100 / denominator.value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    approximate = bool(numerator.approximation or denominator.approximation)
    return Rate(
        definition=definition, numerator=numerator, denominator=denominator, value=value, approximate=approximate
    )


def rates_for(facts_by_key: dict, *, metric_slug: str | None = None) -> list[Rate]:
    rates = []
    for definition in RATES:
        if metric_slug and metric_slug not in (definition.numerator[0], definition.denominator[0]):
            continue
        if rate := compute_rate(definition, facts_by_key):
            rates.append(rate)
    return rates


def chart_with_table(*, slug: str, title: str, facts: list[Fact], labels: list[str]) -> dict | None:
    """A bar chart and the same numbers for the table beside it; one unit per chart."""
    pairs = [(label, fact) for label, fact in zip(labels, facts) if fact is not None]
    if not pairs or len({fact.unit for _, fact in pairs}) != 1:
        return None
    facts = [fact for _, fact in pairs]
    periods = {fact.period for fact in facts}
    full_title = f"{title}（{periods.pop()}）" if len(periods) == 1 else title
    # Say "近8000万元" where the source says so, in the bars and the description alike.
    chart = bar_chart(
        title=full_title,
        rows=[(label, fact.value) for label, fact in pairs],
        unit=facts[0].unit,
        chart_id=f"chart-{slug}",
        displays=[fact.display_value for fact in facts],
        fit_labels=True,
    )
    rows = [{"label": label, "fact": fact} for label, fact in pairs]
    return {"chart": chart, "rows": rows, "title": full_title}


def overview() -> dict:
    """The /communities/ page: headline figures, derived rates, charts, streets and programs,
    worked out once per change of content."""
    return cached_value("communities:overview", _overview)


def _latest_public_facts() -> list[Fact]:
    """The newest public fact of each metric and category (what latest_by_metric picks), chosen
    by the database: a provincial platform holds tens of thousands of facts, and reading them all
    to keep a few dozen cost a worker 37 MiB at a million records."""
    newest_first = Window(
        RowNumber(),
        partition_by=[F("metric"), F("category")],
        order_by=[F("period_end").desc(), F("source_record__published_at").desc(), F("pk").desc()],
    )
    # The window runs over narrow rows (ids), then only the chosen facts are read whole: sorting
    # every fact with its source record's columns spilled to disk (0.75 s at a million records).
    newest = _public_facts().annotate(newest=newest_first).filter(newest=1).values_list("pk", flat=True)
    return list(_public_facts().filter(pk__in=list(newest)))


def _overview() -> dict:
    latest = latest_by_metric(_latest_public_facts())
    metrics = OrderedDict()
    for fact in latest.values():
        metrics.setdefault(fact.metric.slug, fact.metric)
    headlines = []
    for metric in sorted(
        (m for m in metrics.values() if m.headline_position is not None),
        key=lambda m: (m.headline_position, m.position),
    ):
        main = latest.get((metric.slug, ""))
        parts = [
            fact
            for (slug, category), fact in latest.items()
            if slug == metric.slug and category and (main is None or _same_basis(fact, main))
        ]
        parts.sort(key=lambda f: (f.position, f.category))
        headlines.append(Headline(metric=metric, fact=main, parts=parts))
    charts = [
        c
        for d in CHARTS
        if (
            c := chart_with_table(
                slug=d.slug,
                title=d.title,
                facts=[latest.get((slug, category)) for slug, category, _ in d.rows],
                labels=[label for _, _, label in d.rows],
            )
        )
    ]
    return {
        "headlines": headlines,
        "rates": rates_for(latest),
        "charts": charts,
        "streets": street_list(),
        "programs": program_list(),
        "fact_count": _public_facts().count(),
        "community_count": Community.objects.count(),
    }


def street_list():
    return list(Street.objects.annotate(community_count=Count("communities")).order_by("position", "name"))


def _public_designations():
    return Designation.objects.public().select_related("program", "community__street", "source_record")


def street_detail(*, pk: int) -> dict:
    street = get_object_or_404(Street, pk=pk)
    communities = list(
        Community.objects.filter(street=street).prefetch_related(
            Prefetch("designations", queryset=_public_designations(), to_attr="public_designations")
        )
    )
    facts = list(_public_facts().filter(Q(street=street) | Q(community__street=street)))
    return {"street": street, "communities": communities, "facts": facts}


def program_list():
    return list(
        Program.objects.annotate(
            designation_count=Count("designations", filter=Q(designations__in=Designation.objects.public()))
        )
    )


def program_detail(*, slug: str) -> dict:
    program = get_object_or_404(Program, slug=slug)
    batches = OrderedDict()
    for designation in _public_designations().filter(program=program):
        batches.setdefault(designation.batch_label, []).append(designation)
    return {
        "program": program,
        "batches": [{"label": label, "designations": items} for label, items in batches.items()],
    }


def metric_list():
    return list(Metric.objects.annotate(fact_count=Count("facts", filter=Q(facts__in=Fact.objects.public()))))


def metric_detail(*, slug: str) -> dict:
    """A metric's series over time: every public fact, oldest first, nothing collapsed."""
    metric = get_object_or_404(Metric, slug=slug)
    facts = list(
        _public_facts()
        .filter(metric=metric)
        .order_by("period_end", "source_record__published_at", "position", "category", "id")
    )
    chart = chart_with_table(
        slug=f"metric-{metric.slug}", title=f"{metric.name}（按时期）", facts=facts, labels=series_labels(facts)
    )
    rate_metrics = {
        key[0]
        for d in RATES
        if metric.slug in (d.numerator[0], d.denominator[0])
        for key in (d.numerator, d.denominator)
    }
    related = _public_facts().filter(metric__slug__in=rate_metrics) if rate_metrics else []
    return {
        "metric": metric,
        "facts": facts,
        "chart": chart,
        "rates": rates_for(latest_by_metric(related), metric_slug=metric.slug),
    }


def series_labels(facts: list[Fact]) -> list[str]:
    """Bar labels for a metric's series, naming only what varies: period, category, place."""
    dimensions = [lambda f: f.period, lambda f: f.category or "合计", lambda f: f.scope_label]
    varying = [get for get in dimensions if len({get(fact) for fact in facts}) > 1] or dimensions[:1]
    return [" ".join(get(fact) for get in varying) for fact in facts]


def facts_for_export(*, metric: Metric | None = None):
    qs = _public_facts().order_by("metric__position", "metric__name", "period_end", "position", "category", "id")
    if metric is not None:
        qs = qs.filter(metric=metric)
    return qs


def facts_grouped_by_metric() -> list[dict]:
    groups = OrderedDict()
    for fact in facts_for_export():
        groups.setdefault(fact.metric.pk, {"metric": fact.metric, "facts": []})["facts"].append(fact)
    return list(groups.values())


def metric_by_slug(slug: str) -> Metric | None:
    return Metric.objects.filter(slug=slug).first()


def citation_get(*, anchor: str, record):
    """The fact or designation a `?cite=fact-12` link points at, if it quotes this public record."""
    prefix, _, raw_pk = anchor.partition("-")
    model = {Fact.anchor_prefix: Fact, Designation.anchor_prefix: Designation}.get(prefix)
    pk = digits_value(raw_pk, max_digits=18)
    if model is None or pk is None:
        return None
    return model.objects.public().filter(pk=pk, source_record=record).first()


def metrics_quoted_from(*, record) -> list[Metric]:
    if not record.is_public:
        return []
    return list(Metric.objects.filter(facts__source_record=record).distinct().order_by("position", "name"))


def district_name() -> str:
    """The district the site is for (网站设置 › 本区名称); blank until staff fill it."""
    return site_settings().district_name
