"""Facet counts for search: how many results each type, publisher, topic, year and validity
would leave, and how many results there are in all."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, Q, Value, When

from disclosures.models import DisclosureRecord, Organization, Topic

from .query import ParsedQuery
from .registry import source_labels

if TYPE_CHECKING:
    from .selectors import SearchFilters

# Facet name -> SearchDocument column.
FACET_COLUMNS = {"type": "source", "publisher": "publisher", "topic": "topic", "year": "year", "validity": "validity"}


@dataclass
class FacetValue:
    param: str
    value: str
    label: str
    count: int
    selected: bool = False


def _title_hit(query: ParsedQuery) -> Q:
    """Every term in the title or its numbers (文号, 索引号, 提案号)."""
    return Q(*(Q(search_title__contains=term) for term in query.terms))


def search_facets(*, matched, filters: "SearchFilters", query: ParsedQuery):
    """(facets, number of results, number of title hits) from one grouped query.

    Each facet ignores its own choice and honours all the others (so readers can switch
    between its values); the combinations are few, so the sums are done here."""
    columns = list(FACET_COLUMNS.values())
    title_hit = Case(When(_title_hit(query), then=Value(1)), default=Value(0), output_field=IntegerField())
    # Streamed: a common word has tens of thousands of combinations at a million documents,
    # and a worker should not hold them all (nor the publisher and topic names repeated on each).
    combos = (
        filters.apply_dates(matched)
        .order_by()
        .annotate(title_hit=title_hit)
        .values(*columns, "title_hit")
        .annotate(n=Count("id"))
        .iterator(chunk_size=2000)
    )
    selected = filters.selected()

    def matches(row, skip=None):
        return all(row[FACET_COLUMNS[f]] == v for f, v in selected.items() if f != skip)

    counts = {facet: {} for facet in FACET_COLUMNS}
    total = titles = 0
    for row in combos:
        if matches(row):
            total += row["n"]
            titles += row["n"] if row["title_hit"] else 0
        for facet, column in FACET_COLUMNS.items():
            if row[column] in (None, "") or not matches(row, skip=facet):
                continue
            counts[facet][row[column]] = counts[facet].get(row[column], 0) + row["n"]

    labels = {
        "type": source_labels(),
        "publisher": dict(Organization.objects.filter(pk__in=counts["publisher"]).values_list("pk", "name")),
        "topic": dict(Topic.objects.filter(pk__in=counts["topic"]).values_list("pk", "name")),
        "year": {year: f"{year}年" for year in counts["year"]},
        "validity": dict(DisclosureRecord.Validity.choices),
    }

    def values(facet, order):
        return [
            FacetValue(facet, str(value), labels[facet].get(value, str(value)), n, selected.get(facet) == value)
            for value, n in sorted(counts[facet].items(), key=order)
        ]

    by_count = lambda item: (-item[1], str(item[0]))  # noqa: E731
    facets = {facet: values(facet, by_count) for facet in ("type", "publisher", "topic", "validity")}
    facets["year"] = values("year", lambda item: -item[0])
    return {facet: facets[facet] for facet in FACET_COLUMNS}, total, titles
