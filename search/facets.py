"""Facet counts for search: how many results each type, publisher, topic, year and validity
would leave, and how many results there are in all."""

from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import Case, IntegerField, Q, Value, When

from core.pagecache import cached_value
from core.planner import index_lookup, index_walk
from disclosures.models import DisclosureRecord, Organization, Topic

from . import density
from .models import SearchDocument
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
    # Counted among the first COUNT_CAP + 1 matches only: the real count is at least this.
    at_least: bool = False

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.at_least)


def _title_hit(query: ParsedQuery) -> Q:
    """Every term in the title or its numbers (文号, 索引号, 提案号)."""
    return Q(*(Q(search_title__contains=term) for term in query.terms))


# Up to this many matches every count is exact. A common word matches hundreds of thousands
# of documents at a million, and counting them all took seconds per new query (issue 22): past
# this, only the first COUNT_CAP + 1 matches are read (tens of milliseconds), the total is shown
# as "2,000+" and each facet value's count as "at least" what those rows hold.
COUNT_CAP = 2_000
# Title hits this frequent among the first matches are dense: the newest of them (the ranked
# window takes 100, search.selectors.TITLE_WINDOW) lie a short walk away, so they are not
# counted. Counting reads every title hit, and a lone character's prefix unites the posting
# lists of every pair it begins (区: 65–135 ms, whatever the catalogue's size).
DENSE_TITLE_HITS = 100


@dataclass(frozen=True)
class FacetCounts:
    facets: dict  # facet -> [FacetValue]
    total: int  # results, at most COUNT_CAP
    titles: int | None  # of them, title hits; None: sparse past the cap, counted when needed (title_hits)
    capped: bool = False  # more than COUNT_CAP results: `total` is COUNT_CAP
    titles_capped: bool = False  # likewise for the title hits

    @property
    def total_label(self) -> str:
        return count_label(self.total, self.capped)


def count_label(count: int, at_least: bool) -> str:
    """The count as shown: exact, or "1万+" / "3,412+" when it is a lower bound."""
    return f"{round_figure(count)}+" if at_least else str(count)


def round_figure(count: int) -> str:
    """10000 -> "1万"; other numbers with thousands separators."""
    if count >= 10_000 and count % 10_000 == 0:
        return f"{count // 10_000}万"
    return f"{count:,}"


def _grouped(qs, columns, limit) -> list[tuple]:
    """[(*values of columns, n)]: the first `limit` rows of qs (in whatever order the database
    finds them cheapest), grouped by all the columns in the database."""
    sql, params = qs.values_list(*columns)[:limit].query.sql_with_params()
    positions = ", ".join(str(i) for i in range(1, len(columns) + 1))
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f"SELECT *, COUNT(*) FROM ({sql}) AS sample GROUP BY {positions}", params)
        return cursor.fetchall()


# The walk for the newest first matches checks at most this many documents: a dense query
# (density.DENSE_SHARE) has its COUNT_CAP + 1 among them unless its matches are old ones.
WALK_BUDGET = 10_000


def newest_cutoff(using: str, rows: int, at=None):
    """The publication time of the `rows`-th newest public document, or None if there are
    fewer: `published_at >= cutoff` keeps a walk or a lookup among the newest `rows`. Kept until
    content changes (core.pagecache)."""

    def compute():
        found = (
            SearchDocument.objects.using(using)
            .public(at=at)
            .order_by("-published_at", "-id")
            .values_list("published_at", flat=True)[rows - 1 : rows]
        )
        return next(iter(found), None)

    return compute() if at is not None else cached_value(f"search-cutoff:{using}:{rows}", compute)


def _newest_grouped(qs, columns, at=None) -> list[tuple] | None:
    """Like _grouped over the newest COUNT_CAP + 1 rows of qs, read along the date index among
    the newest WALK_BUDGET documents (a bitmap of a dense query's matches holds hundreds of
    thousands: 0.5 s for 政府信息公开 at a million, the walk 0.15 s). None if fewer match there:
    the caller reads them all."""
    cutoff = newest_cutoff(qs.db, WALK_BUDGET, at)
    walked = qs.order_by("-published_at", "-id")
    if cutoff is not None:
        walked = walked.filter(published_at__gte=cutoff)
    with index_walk(qs.db):
        rows = _grouped(walked, columns, COUNT_CAP + 1)
    complete = cutoff is None or sum(row[-1] for row in rows) > COUNT_CAP
    return rows if complete else None


def _first_matches(qs, title_hit) -> tuple[int, int]:
    """(matches, title hits among them) over at most COUNT_CAP + 1 matches of qs."""
    rows = _grouped(qs.order_by().annotate(title_hit=title_hit), ["title_hit"], COUNT_CAP + 1)
    return sum(n for _, n in rows), sum(n for hit, n in rows if hit)


def _capped_count(qs) -> int:
    """COUNT over at most COUNT_CAP + 1 rows (a LIMIT inside the count's subquery)."""
    return qs.order_by()[: COUNT_CAP + 1].count()


def search_facets(*, matched, in_title, filters: "SearchFilters", query: ParsedQuery, at=None) -> FacetCounts:
    """Facets, number of results and of title hits from one grouped query over at most
    COUNT_CAP + 1 matches (`in_title`: the matches in titles, to count them when capped): the
    newest ones when the query is dense (density.sample_reading), else wherever the full-text
    index finds them first.

    Each facet ignores its own choice and honours all the others (so readers can switch
    between its values); the combinations are few, so the sums are done here."""
    columns = list(FACET_COLUMNS.values())
    title_hit = Case(When(_title_hit(query), then=Value(1)), default=Value(0), output_field=IntegerField())
    sample = filters.apply_dates(matched).order_by().annotate(title_hit=title_hit)
    reading = density.sample_reading(query, matched.db)
    rows = _newest_grouped(sample, [*columns, "title_hit"], at) if reading == "walk" else None
    if rows is None:
        with index_lookup(sample.db) if reading == "lookup" else nullcontext():
            rows = _grouped(sample, [*columns, "title_hit"], COUNT_CAP + 1)
    selected = filters.selected()
    position = {column: i for i, column in enumerate(columns)}

    def matches(row, skip=None):
        return all(row[position[FACET_COLUMNS[f]]] == v for f, v in selected.items() if f != skip)

    counts = {facet: {} for facet in FACET_COLUMNS}
    total = titles = read = 0
    for row in rows:
        *_, hit, n = row
        read += n
        if matches(row):
            total += n
            titles += n if hit else 0
        for facet, column in FACET_COLUMNS.items():
            value = row[position[column]]
            if value in (None, "") or not matches(row, skip=facet):
                continue
            counts[facet][value] = counts[facet].get(value, 0) + n
    sampled = read > COUNT_CAP
    if sampled:
        if selected:
            # The first rows say little about the chosen values (rows loaded in date order may
            # hold none of a chosen year): the choice's own first matches, up to the cap, with
            # their title hits, in one query. Read as the planner chooses, not walked for: a
            # query dense overall may be rare in the choice (a phrase absent from one year
            # read all 100,000 of that year's rows, 0.8 s, where the bitmap takes 0.1 s).
            total, titles = _first_matches(filters.apply(matched), title_hit)
        else:
            total = COUNT_CAP + 1
        if total > COUNT_CAP:
            # Sparse title hits are counted only where a ranking needs their number
            # (title_hits): a date-sorted search does not, and the count reads every one (300 ms
            # at 1M, cold). Below the cap the choice's title hits were all read: exact.
            titles = None if titles < DENSE_TITLE_HITS else COUNT_CAP + 1
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)

    labels = {
        "type": source_labels(),
        "publisher": dict(Organization.objects.filter(pk__in=counts["publisher"]).values_list("pk", "name")),
        "topic": dict(Topic.objects.filter(pk__in=counts["topic"]).values_list("pk", "name")),
        "year": {year: f"{year}年" for year in counts["year"]},
        "validity": dict(DisclosureRecord.Validity.choices),
    }

    def values(facet, order):
        return [
            FacetValue(
                facet, str(value), labels[facet].get(value, str(value)), n, selected.get(facet) == value, sampled
            )
            for value, n in sorted(counts[facet].items(), key=order)
        ]

    by_count = lambda item: (-item[1], str(item[0]))  # noqa: E731
    facets = {facet: values(facet, by_count) for facet in ("type", "publisher", "topic", "validity")}
    facets["year"] = values("year", lambda item: -item[0])
    titles, titles_capped = (None, False) if titles is None else _bounded(titles, total)
    return FacetCounts(
        {facet: facets[facet] for facet in FACET_COLUMNS},
        total=total,
        titles=titles,
        capped=capped,
        titles_capped=titles_capped,
    )


def _bounded(titles: int, total: int) -> tuple[int, bool]:
    """Title hits as FacetCounts gives them: at most `total`, and whether there were more."""
    return min(titles, total), titles > total


def title_hits(in_title, filters: "SearchFilters", total: int) -> tuple[int, bool]:
    """The title hits (through the title index, up to the cap), as FacetCounts gives them."""
    return _bounded(_capped_count(filters.apply(in_title)), total)
