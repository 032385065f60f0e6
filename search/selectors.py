"""Reads for search: the matched, filtered, ranked documents, their facets and the
exact-number shortcut."""

import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass, field

from core.dates import local_day_range, local_year_range
from core.pagecache import cached_value
from core.planner import index_lookup, index_walk
from disclosures.models import DisclosureRecord

from . import density
from .backends import backend_for
from .facets import FACET_COLUMNS, FacetValue, count_label, newest_cutoff, search_facets, title_hits
from .highlight import find_spans, highlight, snippet, terms_pattern
from .models import SearchDocument
from .numbers import fold_digits
from .query import ParsedQuery
from .registry import number_kinds, source_get, source_labels, sources
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


@dataclass
class ResultGroup:
    """One result: a document and the other matches that share its record (the facts quoted
    from a letter, the reply that is a copy of it), which are shown under it, not beside it."""

    document: SearchDocument
    related: list[SearchDocument] = field(default_factory=list)


class ResultList:
    """The ordered results as one sequence for Paginator: of ResultGroups (`grouped`, what the
    results page lists) or of documents (groups unfolded, for CSV and the API). A ranked,
    grouped window, then the rest by date; each part lazy, so a page reads only its own rows."""

    def __init__(self, parts, grouped=True):
        self.parts = parts  # Groups and Ungrouped parts, in order
        self.grouped = grouped

    def documents(self) -> "ResultList":
        return ResultList(self.parts, grouped=False)

    def __len__(self):
        return sum(part.count(self.grouped) for part in self.parts)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            items = self[index : index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        start, stop = index.start or 0, len(self) if index.stop is None else index.stop
        items, offset = [], 0
        for part in self.parts:
            count = part.count(self.grouped)
            low, high = max(start - offset, 0), min(stop - offset, count)
            if low < high:
                items += part.slice(low, high, self.grouped)
            offset += count
        return items

    def __iter__(self):
        return self.iterator()

    def iterator(self, chunk_size=2000):
        """Every matching document, groups unfolded (for CSV)."""
        for part in self.parts:
            if part.count(False):
                yield from part.iterator(chunk_size=chunk_size)


class Groups:
    """Groups of document ids in result order, head first; a page reads its documents in one query."""

    def __init__(self, groups: list[list[int]], documents):
        self.groups = groups
        self.ids = [pk for group in groups for pk in group]
        self.documents = documents  # the queryset the rows are read from (columns, joins)

    def count(self, grouped):
        return len(self.groups) if grouped else len(self.ids)

    def slice(self, low, high, grouped):
        if not grouped:
            found = self.documents.in_bulk(self.ids[low:high])
            return [found[pk] for pk in self.ids[low:high] if pk in found]
        groups = self.groups[low:high]
        found = self.documents.in_bulk([pk for group in groups for pk in group])
        return [
            ResultGroup(found[group[0]], [found[pk] for pk in group[1:] if pk in found])
            for group in groups
            if group[0] in found
        ]

    def iterator(self, chunk_size=2000):
        for start in range(0, len(self.ids), chunk_size):
            yield from self.slice(start, start + chunk_size, grouped=False)


class Ungrouped:
    """Documents each shown as a result of their own (the date-ordered rest of many matches)."""

    def __init__(self, queryset, count):
        self.queryset = queryset  # a QuerySet or a PlannedQuery (DateWalk, FewHits)
        self.total = count

    def count(self, grouped):
        return self.total

    def slice(self, low, high, grouped):
        documents = self.queryset[low:high]
        return [ResultGroup(document) for document in documents] if grouped else list(documents)

    def iterator(self, chunk_size=2000):
        return self.queryset.iterator(chunk_size=chunk_size)


class PlannedQuery:
    """A queryset whose slices are planned with some of PostgreSQL's choices taken away."""

    plan = None  # a core.planner context

    def __init__(self, queryset):
        self.queryset = queryset

    def iterator(self, chunk_size=2000):
        # A whole export reads every hit anyway: the planner's own choice is fine.
        return self.queryset.iterator(chunk_size=chunk_size)

    def __getitem__(self, index: slice) -> list:
        with self.plan(self.queryset.db):
            return list(self.queryset[index.start : index.stop])


class DateWalk(PlannedQuery):
    """Many hits, newest first: read them by walking the date index and checking each row.

    PostgreSQL estimates a several-bigram query (社区治理 = 社区 & 区治 & 治理) as if the bigrams
    were independent — a few hundred rows where a phrase really has tens of thousands — so it
    reads every hit through the full-text index and sorts them (320 ms at a million records)
    instead of stopping at the 20th hit along the date index (9 ms). We know the real count
    (cached with the facets), so for this one query we tell it (core.planner)."""

    plan = staticmethod(index_walk)


class FewHits(PlannedQuery):
    """Few hits (counted exactly), newest first: found through the full-text index and sorted.

    The opposite estimate: two common words that rarely meet in a title (社区 养老) look
    frequent, so PostgreSQL walks the date index to find them and reads all of it (3 s at a
    million records) instead of sorting the few that the title index finds at once (6 ms)."""

    plan = staticmethod(index_lookup)


class NewestLookup(PlannedQuery):
    """Many hits, but rare among the documents (density.window_share): 年 is in 2 % of them,
    19,618 at a million, so the walk checks fifty rows, each with its out-of-line vector, for
    every hit it keeps (10,000 for the ranked window: 0.4–1 s cold). Instead they are looked up
    among the newest documents, where as many are expected three times over: a bitmap of the
    full-text index and one of the date index, intersected, and the few sorted (20–40 ms). If
    fewer match there than the slice needs, among ten times as many; then among all (FewHits)."""

    plan = staticmethod(index_lookup)
    # Expected hits in a window: its documents times the rarest listed share (an upper bound
    # of an unlisted token's), over the hits wanted.
    MARGIN = 3
    # Past this window the lookup over every match is as cheap (FewHits).
    MAX_ROWS = 300_000

    def __init__(self, queryset, share: float, at=None):
        super().__init__(queryset)
        self.share, self.at = share, at

    def __getitem__(self, index: slice) -> list:
        start, stop = index.start or 0, index.stop
        rows = int(stop / self.share * self.MARGIN)
        for window in (rows, rows * 10):
            if window > self.MAX_ROWS:
                break
            cutoff = newest_cutoff(self.queryset.db, window, self.at)
            if cutoff is None:
                break  # fewer documents than the window: look among all
            with self.plan(self.queryset.db):
                found = list(self.queryset.filter(published_at__gte=cutoff)[start:stop])
            if len(found) == stop - start:
                return found
        return FewHits(self.queryset)[index]


@dataclass
class SearchResults:
    query: ParsedQuery
    queryset: ResultList  # the documents, ordered and lazy: slice them, or iterate them for CSV
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    count: int = 0
    # The same order as results: a document with the matches grouped under it (the results page).
    groups: ResultList | None = None
    capped: bool = False  # more results than `count` (facets.COUNT_CAP): shown as "1万+"

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.capped)


# Up to this many matches, all of them are ranked (or dated) and grouped by their record.
RANK_LIMIT = 1000
# Beyond it, ranking is bounded by what a reader looks at (docs/decisions/0080): the newest
# RANK_WINDOW matches and the newest TITLE_WINDOW title (文号, 索引号) hits are the candidates,
# ranked and grouped; the other matches follow by date. A common word at a million records
# thus ranks some 300 rows (ten pages), not 500,000.
RANK_WINDOW = 200
TITLE_WINDOW = 100
# From this many hits on, a page of them is read along the date index (see DateWalk): they
# are dense enough that the 20 newest lie close together.
DATE_WALK_MIN = 5000

# What the matching reads inside the database but a results page never shows: left out of
# the rows fetched (they are the largest columns, the body's tokens twice over).
UNSHOWN_COLUMNS = ("search_text", "title_tokens", "keyword_tokens", "body_tokens")


def documents_matching(*, query: ParsedQuery, at=None, title_only=False):
    """Public documents that match the query's tokens in the full-text index, which is what
    makes this fast (every term has some: a lone character is a prefix), and contain verbatim
    the terms the tokens cannot vouch for.

    title_only: every term in the title or its numbers (the short search_title column and
    the title tokens), which also implies the whole-document match."""
    qs = SearchDocument.objects.public(at=at)
    column = "search_title" if title_only else "search_text"
    for term in query.verbatim_terms:
        qs = qs.filter(**{f"{column}__contains": term})
    return backend_for(qs).match(qs, query, title_only=title_only)


@dataclass(frozen=True)
class Rarity:
    """How a query's many matches are read newest first (search.density): `share` is the share
    of documents they are known to be below (NewestLookup), or None (DateWalk)."""

    share: float | None = None
    at: object = None


def _rarity(query: ParsedQuery, db: str, many: int, at=None, column="search_vector") -> Rarity:
    """Only for many matches (fewer are looked up anyway: FewHits)."""
    return Rarity(density.window_share(query, db, column) if many >= DATE_WALK_MIN else None, at)


def _by_date(qs, count: int, rarity: Rarity = Rarity()):
    """The matches newest first, read as their number and share say: along the date index
    when they are many, among the newest documents when they are many but rare, through the
    full-text index when they are few (`count` is exact below the cap)."""
    qs = qs.order_by("-published_at", "-id")
    if count < DATE_WALK_MIN:
        return FewHits(qs)
    return DateWalk(qs) if rarity.share is None else NewestLookup(qs, rarity.share, rarity.at)


def _many(count: int, capped: bool) -> int:
    """Past the count's cap there are more matches than counted: order them as the many they are."""
    return max(count, DATE_WALK_MIN) if capped else count


# What grouping needs of each matching row.
KEY_COLUMNS = ("id", "record_id", "source", "object_id")


def _record_sources() -> set[str]:
    return {source.key for source in sources() if source.model is DisclosureRecord}


def _grouped(rows) -> list[list[int]]:
    """Ids grouped by record, in the order of each group's first row; the record's own
    document heads its group wherever it ranks, the others follow in order."""
    record_sources = _record_sources()
    groups = {}
    for pk, record_id, source, object_id, *_ in rows:
        members = groups.setdefault(("record", record_id) if record_id else ("own", pk), [])
        if source in record_sources and object_id == record_id:
            members.insert(0, pk)
        else:
            members.append(pk)
    return list(groups.values())


def _ranked_rows(qs, query: ParsedQuery) -> list[tuple]:
    ranked = backend_for(qs).rank(qs, query)
    return list(ranked.order_by("-rank", "-published_at", "-id").values_list(*KEY_COLUMNS, "rank"))


def _candidate_ids(results, in_title, many: int, titles_many: int, rarity: Rarity, title_rarity: Rarity) -> list[int]:
    """The newest matches and the newest title hits: what is ranked when matches are many."""
    newest = _by_date(results.values_list("id", flat=True), many, rarity)[0:RANK_WINDOW]
    titles = _by_date(in_title.values_list("id", flat=True), titles_many, title_rarity)[0:TITLE_WINDOW]
    return list(dict.fromkeys([*newest, *titles]))


def _relevance_order(
    results,
    in_title,
    query: ParsedQuery,
    count: int,
    *,
    many: int,
    titles_many: int,
    rarity: Rarity,
    title_rarity: Rarity,
) -> ResultList:
    """`count` matches as counted (capped); `many`, `titles_many` as many as there may be (_many)."""
    if many <= RANK_LIMIT:
        return ResultList([Groups(_grouped(_ranked_rows(results, query)), results)])
    ids = _candidate_ids(results, in_title, many, titles_many, rarity, title_rarity)
    groups = _grouped(_ranked_rows(SearchDocument.objects.filter(pk__in=ids), query))
    rest = _by_date(results.exclude(pk__in=ids), many, rarity)
    return ResultList([Groups(groups, results), Ungrouped(rest, max(count - len(ids), 0))])


def _date_order(results, count: int, *, many: int, rarity: Rarity) -> ResultList:
    if many <= RANK_LIMIT:
        groups = _grouped(results.order_by("-published_at", "-id").values_list(*KEY_COLUMNS))
        return ResultList([Groups(groups, results)])
    return ResultList([Ungrouped(_by_date(results, many, rarity), count)])


def search(*, query: ParsedQuery, filters: SearchFilters = SearchFilters(), sort: str = "relevance", at=None):
    """The matches ranked (docs/decisions/0080) or newest first, and the facets: `groups` lists
    results (a document with the matches derived from it under it), `queryset` the same
    documents unfolded; `count` is the number of matching documents."""
    matched = documents_matching(query=query, at=at)
    matched_in_title = documents_matching(query=query, at=at, title_only=True)
    compute = lambda: search_facets(  # noqa: E731
        matched=matched, in_title=matched_in_title, filters=filters, query=query, at=at
    )

    def kept(name, compute):
        # Counts and facets read up to COUNT_CAP + 1 matches: keep them until content changes
        # (core.pagecache).
        if at is not None:
            return compute()
        key = hashlib.md5(
            repr(
                (query.terms, query.bigrams, query.prefixes, filters.selected(), filters.date_from, filters.date_to)
            ).encode()
        ).hexdigest()
        return cached_value(f"{name}:{key}", compute, once=True)

    counts = kept("search-facets", compute)
    facets, count = counts.facets, counts.total
    results = filters.apply(matched).select_related("publisher", "topic").defer(*UNSHOWN_COLUMNS)
    if not count:
        ordered = ResultList([])  # a miss costs no ordering queries
    elif sort == "date":
        many = _many(count, counts.capped)
        ordered = _date_order(results, count, many=many, rarity=_rarity(query, results.db, many, at))
    else:
        titles, titles_capped = counts.titles, counts.titles_capped
        if titles is None:  # sparse past the cap: the ranked window needs their number
            titles, titles_capped = kept("search-titles", lambda: title_hits(matched_in_title, filters, count))
        many, titles_many = _many(count, counts.capped), _many(titles, titles_capped)
        ordered = _relevance_order(
            results,
            filters.apply(matched_in_title),
            query,
            count,
            many=many,
            titles_many=titles_many,
            rarity=_rarity(query, results.db, many, at),
            title_rarity=_rarity(query, results.db, titles_many, at, column="search_title_vector"),
        )
    return SearchResults(
        query=query, queryset=ordered.documents(), facets=facets, count=count, groups=ordered, capped=counts.capped
    )


@dataclass
class RelatedHit:
    """A match shown under the result of its record: a link with its highlighted title."""

    document: SearchDocument
    type_label: str
    title: str


@dataclass
class Hit:
    """One result ready to show: highlighted title and excerpt, why it matched, and the
    matches grouped under it (another page of the same letter; data quoted from it)."""

    document: SearchDocument
    type_label: str
    title: str
    excerpt: str
    fields: list[tuple[str, str]]
    reasons: list[str]
    copies: list[RelatedHit] = field(default_factory=list)
    related: list[RelatedHit] = field(default_factory=list)


def search_hits(*, documents, query: ParsedQuery) -> list[Hit]:
    """Hits for a page of results: ResultGroups (from search()) or plain documents."""
    pattern = terms_pattern(query.terms)
    labels = source_labels()

    def contains(text):
        squeezed = "\n".join(squeeze(line) for line in (text or "").splitlines())
        return any(term in squeezed for term in query.terms)

    def related(doc):
        return RelatedHit(
            document=doc, type_label=labels.get(doc.source, doc.source), title=highlight(doc.title, pattern)
        )

    hits = []
    for item in documents:
        group = item if isinstance(item, ResultGroup) else ResultGroup(item)
        doc = group.document
        reasons = ["标题"] if contains(doc.title) else []
        reasons += [label for label, value in doc.fields + doc.extra if contains(value)]
        if contains(doc.body_text):
            reasons.append("正文")
        if not reasons and query.prefixes and not query.bigrams:
            reasons.append("标题拼音")
        body_hit = find_spans(doc.body_text, pattern)
        roles = {member.pk: getattr(source_get(member.source), "related_as", "data") for member in group.related}
        hits.append(
            Hit(
                document=doc,
                type_label=labels.get(doc.source, doc.source),
                title=highlight(doc.title, pattern),
                excerpt=snippet(doc.body_text, pattern) if body_hit or not doc.extra else _extra_snippet(doc, pattern),
                fields=[(label, highlight(value, pattern)) for label, value in doc.fields],
                reasons=reasons,
                copies=[related(member) for member in group.related if roles[member.pk] == "copy"],
                related=[related(member) for member in group.related if roles[member.pk] != "copy"],
            )
        )
    return hits


def _extra_snippet(doc, pattern):
    for _, value in doc.extra:
        if find_spans(value, pattern):
            return snippet(value, pattern)
    return snippet(doc.body_text, pattern)


# Suggestions are drawn from the newest this many of at most SUGGESTION_SCAN titles sharing a
# bigram with the query, and must be at least this similar to it (difflib's ratio).
SUGGESTION_CANDIDATES = 50
SUGGESTION_SCAN = 1000
SUGGESTION_MIN_RATIO = 0.6


def search_suggestion(*, query: ParsedQuery, filters: SearchFilters = SearchFilters(), at=None) -> str | None:
    """“您是不是要找”: for a query without hits, the stretch of a public title most like it
    (停车为 → 停车位), from the newest few titles that share one of its bigrams, or None.
    Among the documents `filters` let through: the link keeps the reader's filters, and a
    title they leave out would find nothing again. Kept until content changes, as the counts
    are: a miss asked again costs no query."""
    if at is not None:
        return _search_suggestion(query=query, filters=filters, at=at)
    key = hashlib.md5(repr((query.terms, filters.selected(), filters.date_from, filters.date_to)).encode()).hexdigest()
    return cached_value(f"search-suggestion:{key}", lambda: _search_suggestion(query=query, filters=filters))


def _search_suggestion(*, query: ParsedQuery, filters: SearchFilters, at=None) -> str | None:
    wanted = "".join(query.terms)
    if not query.bigrams or len(wanted) < 3:
        return None
    qs = filters.apply(SearchDocument.objects.public(at=at))
    # Read through the title index, unordered, and sorted here: "newest first" in SQL lets the
    # planner walk the date index and test every title when none matches (31 s at 1M records).
    found = backend_for(qs).titles_with_any(qs, query.bigrams).order_by()
    found = sorted(found.values_list("published_at", "search_title")[:SUGGESTION_SCAN], reverse=True)
    titles = [title for _, title in found[:SUGGESTION_CANDIDATES]]
    bigrams = set(query.bigrams)
    # difflib caches what it learns about its second sequence: the query, set once.
    matcher = difflib.SequenceMatcher(None, "", wanted)
    best, best_ratio = None, SUGGESTION_MIN_RATIO
    for title in titles:
        for line in title.splitlines():
            # Only stretches around a shared bigram can be close to the query.
            shared = [i for i in range(len(line) - 1) if line[i : i + 2] in bigrams]
            starts = {start for i in shared for start in range(max(i - len(wanted) + 1, 0), i + 1)}
            for start in starts:
                for width in (len(wanted) - 1, len(wanted), len(wanted) + 1):
                    window = line[start : start + width]
                    if len(window) != width or window == wanted:
                        continue
                    matcher.set_seq1(window)
                    # Similar, as long as what was typed and in step with it: 停车位, not 停车 or 共停车, for 停车为.
                    in_step = sum(a == b for a, b in zip(wanted, window)) / len(wanted)
                    ratio = matcher.ratio() - 0.2 * abs(width - len(wanted)) + 0.1 * in_step
                    if ratio > best_ratio:
                        best, best_ratio = window, ratio
    return best


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
