"""What can be searched, and which numbers can be looked up, registered per content type.

Each content type (disclosure records, proposal replies, governance facts) registers a
`SearchSource` saying which rows belong in the index and how one becomes a `Document`;
search.signals keeps the index in step with every save, and `rebuild_search_index`
rebuilds it from the same definitions. Numbers (索引号, 文号, 第N号提案) register a
`NumberKind`: one definition serves the exact-number redirect and the cross-reference links."""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models


@dataclass
class Document:
    """What a source says about one item; search.services derives the token columns."""

    title: str
    url: str
    published_at: dt.datetime
    body: str = ""
    # Short labelled fields weighted like the title, e.g. [("文号", "官办通〔2020〕26号")].
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Labelled fields weighted like the body, e.g. [("关键字", "社区、治理")].
    extra: list[tuple[str, str]] = field(default_factory=list)
    publisher: models.Model | None = None
    topic: models.Model | None = None
    validity: str = ""
    record: models.Model | None = None


@dataclass(frozen=True)
class SearchSource:
    key: str  # stored in SearchDocument.source and used in ?type=
    label: str  # shown as the result type and facet
    model: type[models.Model]
    # Rows that belong in the index: public and scheduled items (visibility by date is
    # decided at query time), never drafts or withdrawn ones.
    indexable: Callable[[], models.QuerySet]
    document: Callable[[models.Model], Document]
    # Other models whose changes alter this source's documents: {Model: instance -> QuerySet of items}.
    dependencies: dict = field(default_factory=dict, hash=False, compare=False)
    position: int = 100
    # Multiplies the full-text rank: below 1 for items derived from a record (a fact quoted
    # from it, a reply that is a copy of its letter), so the record itself comes first.
    rank_boost: float = 1.0
    # How a result shows an item that has a record (`Document.record`) other than itself: under
    # that record's result, as another link to the same letter ("copy") or among its related
    # data ("data", 含 N 条相关数据), so no page is flooded by one source.
    related_as: str = "data"


@dataclass(frozen=True)
class NumberKind:
    key: str
    label: str
    # Finds mentions in running text and in queries (search.numbers).
    pattern: re.Pattern
    # Batch lookup: {candidate: url} for the candidates that name exactly one public item.
    # Called once per text with all its candidates, so a body costs one query per kind.
    resolve: Callable[[list[str]], dict[str, str]]
    # What one match may spell, best first, each with where the link would start;
    # by default the "number" group, linked from the start of the match.
    candidates: Callable[[re.Match], list[tuple[str, int]]] | None = None
    position: int = 100

    def candidates_for(self, match: re.Match) -> list[tuple[str, int]]:
        if self.candidates:
            return self.candidates(match)
        return [(match["number"], match.start())]


_sources: dict[str, SearchSource] = {}
_numbers: dict[str, NumberKind] = {}


def register_source(source: SearchSource) -> SearchSource:
    """Register (or replace, by key) a searchable content type."""
    _sources[source.key] = source
    return source


def register_number(kind: NumberKind) -> NumberKind:
    """Register (or replace, by key) a kind of reference number."""
    _numbers[kind.key] = kind
    return kind


def sources() -> list[SearchSource]:
    return sorted(_sources.values(), key=lambda s: s.position)


def source_get(key: str) -> SearchSource | None:
    return _sources.get(key)


def rank_boosts() -> dict[str, float]:
    return {s.key: s.rank_boost for s in sources() if s.rank_boost != 1.0}


def source_labels() -> dict[str, str]:
    return {s.key: s.label for s in sources()}


def number_kinds() -> list[NumberKind]:
    return sorted(_numbers.values(), key=lambda k: k.position)
