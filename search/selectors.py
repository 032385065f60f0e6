"""Reads for search: the matched, filtered, ranked documents, their facets and the
exact-number shortcut."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from core.dates import local_day_range, local_year_range
from core.pagecache import cached_value
from core.planner import index_walk

from .backends import backend_for
from .facets import FACET_COLUMNS, FacetValue, _title_hit, count_label, search_facets
from .highlight import find_spans, highlight, snippet, terms_pattern
from .models import SearchDocument
from .numbers import fold_digits
from .query import ParsedQuery
from .registry import number_kinds, source_labels
from .tokenizer import squeeze

SORTS = {"relevance": "相关度", "date": "发布日期"}


@dataclass(frozen=True)
class SearchFilters:
    type: str = ""
    publisher: object = None
    topic: object = None
    year: int | None = None
    validity: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def selected(self) -> dict:
        """The chosen facet values, as stored in their columns: {facet: value}."""
        values = {
            "type": self.type,
            "publisher": getattr(self.publisher, "pk", None),
            "topic": getattr(self.topic, "pk", None),
            "year": self.year,
            "validity": self.validity,
        }
        return {facet: value for facet, value in values.items() if value}

    def apply_dates(self, qs):
        return qs.filter(local_day_range("published_at", self.date_from, self.date_to))

    def apply(self, qs):
        qs = self.apply_dates(qs)
        if self.year:
            # The same rows as the year column, as a range of the date index: a walk newest
            # first starts at the year's end instead of reading every later row.
            qs = qs.filter(local_year_range("published_at", self.year))
        return qs.filter(**{FACET_COLUMNS[facet]: value for facet, value in self.selected().items()})


class ResultList:
    """The ordered results as one sequence for Paginator and CSV: title hits first, then the
    rest, each part a lazy QuerySet, so a page reads only its own rows."""

    def __init__(self, parts):
        self.parts = parts  # [(queryset, count)]; a queryset may be a DateWalk

    def __len__(self):
        return sum(count for _, count in self.parts)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            items = self[index : index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        start, stop = index.start or 0, len(self) if index.stop is None else index.stop
        items, offset = [], 0
        for queryset, count in self.parts:
            low, high = max(start - offset, 0), min(stop - offset, count)
            if low < high:
                items += list(queryset[low:high])
            offset += count
        return items

    def __iter__(self):
        return self.iterator()

    def iterator(self, chunk_size=2000):
        for queryset, count in self.parts:
            if count:
                yield from queryset.iterator(chunk_size=chunk_size)


class DateWalk:
    """Many hits, newest first: read them by walking the date index and checking each row.

    PostgreSQL estimates a several-bigram query (社区治理 = 社区 & 区治 & 治理) as if the bigrams
    were independent — a few hundred rows where a phrase really has tens of thousands — so it
    reads every hit through the full-text index and sorts them (320 ms at a million records)
    instead of stopping at the 20th hit along the date index (9 ms). We know the real count
    (cached with the facets), so for this one query we tell it (core.planner)."""

    def __init__(self, queryset):
        self.queryset = queryset

    def iterator(self, chunk_size=2000):
        # A whole export reads every hit anyway: the planner's own choice is fine.
        return self.queryset.iterator(chunk_size=chunk_size)

    def __getitem__(self, index: slice) -> list:
        with index_walk(self.queryset.db):
            return list(self.queryset[index.start : index.stop])


@dataclass
class SearchResults:
    query: ParsedQuery
    queryset: ResultList  # ordered and lazy: paginate it, or iterate it for CSV
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    count: int = 0
    capped: bool = False  # more results than `count` (facets.COUNT_CAP): shown as "1万+"

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.capped)


# Below this many hits they are ordered by full-text rank; above it, by date: ranking
# thousands of rows for a common word costs more than it tells (tech.md §2.5), and the
# newest matching information is what readers of a disclosure portal usually want.
RANK_LIMIT = 1000
# From this many hits on, a page of them is read along the date index (see DateWalk): they
# are dense enough that the 20 newest lie close together.
DATE_WALK_MIN = 5000


# What the matching reads inside the database but a results page never shows: left out of
# the rows fetched (they are the largest columns, the body's tokens twice over).
UNSHOWN_COLUMNS = ("search_text", "title_tokens", "body_tokens")


def documents_matching(*, query: ParsedQuery, at=None, title_only=False):
    """Public documents that contain every term verbatim (normalized) and, where the query
    has tokens, match them in the full-text index, which is what makes this fast.

    title_only: every term in the title or its numbers (the short search_title column and
    the title tokens), which also implies the whole-document match."""
    qs = SearchDocument.objects.public(at=at)
    column = "search_title" if title_only else "search_text"
    for term in query.verbatim_terms:
        qs = qs.filter(**{f"{column}__contains": term})
    if query.has_tokens:
        qs = backend_for(qs).match(qs, query, title_only=title_only)
    return qs


def _ordered(qs, query: ParsedQuery, count: int):
    if query.has_tokens and count <= RANK_LIMIT:
        return backend_for(qs).rank(qs, query).order_by("-rank", "-published_at", "-id")
    return _by_date(qs, count)


def _by_date(qs, count: int):
    qs = qs.order_by("-published_at", "-id")
    return DateWalk(qs) if count >= DATE_WALK_MIN else qs


def _many(count: int, capped: bool) -> int:
    """Past the count's cap there are more matches than counted: order them as the many they are."""
    return max(count, DATE_WALK_MIN) if capped else count


def search(*, query: ParsedQuery, filters: SearchFilters = SearchFilters(), sort: str = "relevance", at=None):
    matched = documents_matching(query=query, at=at)
    matched_in_title = documents_matching(query=query, at=at, title_only=True)
    compute = lambda: search_facets(matched=matched, in_title=matched_in_title, filters=filters, query=query)  # noqa: E731
    if at is None:
        # Counts and facets read up to COUNT_CAP + 1 matches: keep them until content changes
        # (core.pagecache).
        key = hashlib.md5(
            repr(
                (query.terms, query.bigrams, query.prefixes, filters.selected(), filters.date_from, filters.date_to)
            ).encode()
        ).hexdigest()
        counts = cached_value(f"search-facets:{key}", compute)
    else:
        counts = compute()
    facets, count, title_count = counts.facets, counts.total, counts.titles
    results = filters.apply(matched).select_related("publisher", "topic").defer(*UNSHOWN_COLUMNS)
    if sort == "date":
        ordered = ResultList([(_by_date(results, _many(count, counts.capped)), count)])
    else:
        # Title (and 文号/索引号) hits first, then the rest; each by rank, or by date when many.
        in_title = filters.apply(matched_in_title)
        in_title = in_title.select_related("publisher", "topic").defer(*UNSHOWN_COLUMNS)
        elsewhere = results.exclude(_title_hit(query))
        ordered = ResultList(
            [
                (_ordered(in_title, query, _many(title_count, counts.titles_capped)), title_count),
                (_ordered(elsewhere, query, _many(count - title_count, counts.capped)), count - title_count),
            ]
        )
    return SearchResults(query=query, queryset=ordered, facets=facets, count=count, capped=counts.capped)


@dataclass
class Hit:
    """One result ready to show: highlighted title and excerpt, and why it matched."""

    document: SearchDocument
    type_label: str
    title: str
    excerpt: str
    fields: list[tuple[str, str]]
    reasons: list[str]


def search_hits(*, documents, query: ParsedQuery) -> list[Hit]:
    pattern = terms_pattern(query.terms)
    labels = source_labels()

    def contains(text):
        squeezed = "\n".join(squeeze(line) for line in (text or "").splitlines())
        return any(term in squeezed for term in query.terms)

    hits = []
    for doc in documents:
        reasons = ["标题"] if contains(doc.title) else []
        reasons += [label for label, value in doc.fields + doc.extra if contains(value)]
        if contains(doc.body_text):
            reasons.append("正文")
        body_hit = find_spans(doc.body_text, pattern)
        hits.append(
            Hit(
                document=doc,
                type_label=labels.get(doc.source, doc.source),
                title=highlight(doc.title, pattern),
                excerpt=snippet(doc.body_text, pattern) if body_hit or not doc.extra else _extra_snippet(doc, pattern),
                fields=[(label, highlight(value, pattern)) for label, value in doc.fields],
                reasons=reasons,
            )
        )
    return hits


def _extra_snippet(doc, pattern):
    for _, value in doc.extra:
        if find_spans(value, pattern):
            return snippet(value, pattern)
    return snippet(doc.body_text, pattern)


def number_redirect_url(raw: str) -> str | None:
    """The page of the one public item whose 索引号, 文号 or 提案号 the query is, exactly."""
    value = fold_digits((raw or "").strip())
    if not value or len(value) > 100:
        return None
    for kind in number_kinds():
        for candidate_text in (value, value.upper()):
            match = kind.pattern.fullmatch(candidate_text)
            if not match:
                continue
            whole = [text for text, start in kind.candidates_for(match) if start == 0][:1]
            url = kind.resolve(whole).get(whole[0]) if whole else None
            if url:
                return url
    return None
