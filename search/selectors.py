"""Reads for search: the matched, filtered, ranked documents, their facets and the
exact-number shortcut."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from disclosures.models import DisclosureRecord

from .backends import backend_for
from .highlight import find_spans, highlight, snippet, terms_pattern
from .models import SearchDocument
from .numbers import fold_digits
from .query import ParsedQuery
from .registry import number_kinds, source_labels
from .tokenizer import squeeze

SORTS = {"relevance": "相关度", "date": "发布日期"}
FACETS = ("type", "publisher", "topic", "year", "validity")


@dataclass(frozen=True)
class SearchFilters:
    type: str = ""
    publisher: object = None
    topic: object = None
    year: int | None = None
    validity: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def apply(self, qs, *, skip: str = ""):
        if self.type and skip != "type":
            qs = qs.filter(source=self.type)
        if self.publisher and skip != "publisher":
            qs = qs.filter(publisher=self.publisher)
        if self.topic and skip != "topic":
            qs = qs.filter(topic=self.topic)
        if self.year and skip != "year":
            qs = qs.filter(year=self.year)
        if self.validity and skip != "validity":
            qs = qs.filter(validity=self.validity)
        tz = timezone.get_current_timezone()
        if self.date_from:
            qs = qs.filter(published_at__gte=dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz))
        if self.date_to:
            qs = qs.filter(published_at__lt=dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
        return qs


@dataclass
class FacetValue:
    param: str
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    query: ParsedQuery
    queryset: object  # ordered, lazy: paginate it
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


def documents_matching(*, query: ParsedQuery, at=None):
    """Public documents that contain every term verbatim (normalized) and, where the query
    has tokens, match them in the full-text index, which is what makes this fast."""
    qs = SearchDocument.objects.public(at=at)
    for term in query.terms:
        qs = qs.filter(search_text__contains=term)
    if query.has_tokens:
        qs = backend_for(qs).match(qs, query)
    return qs


def _title_score(query: ParsedQuery):
    return sum(
        (Case(When(search_title__contains=term, then=Value(1)), default=Value(0), output_field=IntegerField())
         for term in query.terms),
        Value(0, output_field=IntegerField()),
    )


def search(*, query: ParsedQuery, filters: SearchFilters = SearchFilters(), sort: str = "relevance", at=None):
    matched = documents_matching(query=query, at=at)
    results = filters.apply(matched).select_related("publisher", "topic")
    if sort == "date":
        results = results.order_by("-published_at", "-id")
    else:
        # Title (and 文号/索引号) hits first, then full-text rank, then the newest.
        results = results.annotate(title_score=_title_score(query))
        if query.has_tokens:
            results = backend_for(results).rank(results, query)
            results = results.order_by("-title_score", "-rank", "-published_at", "-id")
        else:
            results = results.order_by("-title_score", "-published_at", "-id")
    return SearchResults(query=query, queryset=results, facets=search_facets(matched=matched, filters=filters))


def search_facets(*, matched, filters: SearchFilters) -> dict[str, list[FacetValue]]:
    """Counts per facet value; each facet ignores its own filter, so readers can switch
    between its values, and honours all the others."""

    def counts(facet, *fields):
        qs = filters.apply(matched, skip=facet).order_by()
        return qs.values(*fields).annotate(n=Count("id")).order_by("-n", *fields)

    labels = source_labels()
    validity_labels = dict(DisclosureRecord.Validity.choices)
    pub_id = getattr(filters.publisher, "pk", None)
    topic_id = getattr(filters.topic, "pk", None)
    return {
        "type": [
            FacetValue("type", row["source"], labels.get(row["source"], row["source"]), row["n"], row["source"] == filters.type)
            for row in counts("type", "source")
        ],
        "publisher": [
            FacetValue("publisher", str(row["publisher"]), row["publisher__name"], row["n"], row["publisher"] == pub_id)
            for row in counts("publisher", "publisher", "publisher__name") if row["publisher"]
        ],
        "topic": [
            FacetValue("topic", str(row["topic"]), row["topic__name"], row["n"], row["topic"] == topic_id)
            for row in counts("topic", "topic", "topic__name") if row["topic"]
        ],
        "year": sorted(
            (FacetValue("year", str(row["year"]), f"{row['year']}年", row["n"], row["year"] == filters.year)
             for row in counts("year", "year")),
            key=lambda f: f.value, reverse=True,
        ),
        "validity": [
            FacetValue("validity", row["validity"], validity_labels.get(row["validity"], row["validity"]), row["n"],
                       row["validity"] == filters.validity)
            for row in counts("validity", "validity") if row["validity"]
        ],
    }


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
        hits.append(Hit(
            document=doc,
            type_label=labels.get(doc.source, doc.source),
            title=highlight(doc.title, pattern),
            excerpt=snippet(doc.body_text, pattern) if body_hit or not doc.extra else _extra_snippet(doc, pattern),
            fields=[(label, highlight(value, pattern)) for label, value in doc.fields],
            reasons=reasons,
        ))
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
