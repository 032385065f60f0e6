"""The token match, in the form each database can index (migrations 0002 and 0003).

Both backends take and return ordinary QuerySets, so filters, facets, Paginator and
select_related work the same on either. Tokens hold only Han characters, letters and
digits (search.tokenizer), so quoting them is enough to keep query syntax out."""

from django.db import connections
from django.db.models import Case, F, FloatField, Func, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Lookup

from core.planner import walking

from .query import ParsedQuery
from .registry import rank_boosts

FTS_TABLE = "search_searchdocument_fts"
# Title (with 文号, 索引号, 提案号 and the title's pinyin) > keywords (关键字, 内容概述, 发布机构 …)
# > body, the same ratios on both databases (docs/decisions/0080-search-relevance.md).
TITLE_WEIGHT, KEYWORD_WEIGHT, BODY_WEIGHT = 1.0, 0.4, 0.05
# Without a full-text backend a match is ranked by where it occurs, nothing more.
TITLE_ONLY_RANK, ELSEWHERE_RANK = 1.0, 0.1


# ts_rank_cd's normalization: divided by 1 + log(length) (1), then rank / (rank + 1) (32).
RANK_NORMALIZATION = 1 | 32


def source_boost():
    """The rank factor of each document's source: documents over the items derived from them."""
    whens = [When(source=key, then=Value(boost)) for key, boost in rank_boosts().items()]
    return Case(*whens, default=Value(1.0), output_field=FloatField()) if whens else Value(1.0)


def verbatim_rank(qs, query: ParsedQuery):
    """Rank without a full-text index: title (and its numbers) hits above the others."""
    in_title = Q(*(Q(search_title__contains=term) for term in query.terms))
    where = Case(When(in_title, then=Value(TITLE_ONLY_RANK)), default=Value(ELSEWHERE_RANK), output_field=FloatField())
    return qs.annotate(rank=where * source_boost())


class PostgresBackend:
    @staticmethod
    def vector(title_only=False):
        from django.contrib.postgres.search import SearchVectorField

        # Stored, GIN-indexed columns (migrations 0003, 0004): the weighted whole document
        # (A = title, B = body), or the title tokens alone. Unqualified, so they also resolve
        # inside subqueries where the table is aliased.
        column = "search_title_vector" if title_only else "search_vector"
        return RawSQL(column, [], output_field=SearchVectorField())

    @staticmethod
    def tsquery(query: ParsedQuery, bigrams=None, prefixes=None):
        """All the query's tokens, or the `bigrams` and `prefixes` given."""
        from django.contrib.postgres.search import SearchQuery

        bigrams = query.bigrams if bigrams is None else bigrams
        prefixes = query.prefixes if prefixes is None else prefixes
        parts = [f"'{token}'" for token in bigrams] + [f"'{token}':*" for token in prefixes]
        return SearchQuery(" & ".join(parts), search_type="raw", config="simple")

    def match(self, qs, query: ParsedQuery, title_only=False):
        return qs.filter(TokenMatch(self.vector(title_only), self.tsquery(query), query))

    def titles_with_any(self, qs, tokens):
        """Documents whose title has at least one of the tokens (for suggestions)."""
        from django.contrib.postgres.search import SearchQuery

        either = SearchQuery(" | ".join(f"'{token}'" for token in tokens), search_type="raw", config="simple")
        return qs.alias(search_title_match=self.vector(title_only=True)).filter(search_title_match=either)

    def rank(self, qs, query: ParsedQuery):
        """ts_rank over the stored vector: each occurrence weighted by its field (A title,
        B keywords, C body), repeated occurrences adding less and less, divided by
        1 + log(document length) (normalization 1); times the source's boost."""
        from django.contrib.postgres.search import SearchRank

        weights = [BODY_WEIGHT, BODY_WEIGHT, KEYWORD_WEIGHT, TITLE_WEIGHT]  # D, C, B, A
        text_rank = SearchRank(
            self.vector(), self.tsquery(query), weights=weights, normalization=RANK_NORMALIZATION, cover_density=True
        )
        return qs.annotate(text_rank=text_rank).annotate(rank=F("text_rank") * source_boost())


class TokenMatch(Lookup):
    """`vector @@ tsquery` of the query's tokens; compiled inside core.planner.index_walk,
    only the tokens that the query's verbatim check does not already vouch for
    (ParsedQuery.unvouched_tokens), and none at all for a phrase of Han characters. The walk
    checks each row it passes, and each check reads the row's vector out of line:
    for 社区治理's newest 2,001 matches, 22,900 buffers with both checks, 14,200 with the
    phrase's alone. The same rows match either way. Elsewhere the full-text index finds the
    matches, which takes every token."""

    lookup_name = "token_match"
    prepare_rhs = False

    def __init__(self, lhs, rhs, query: ParsedQuery):
        super().__init__(lhs, rhs)
        self.parsed = query

    def as_sql(self, compiler, connection):
        rhs = self.rhs
        if walking():
            bigrams, prefixes = self.parsed.unvouched_tokens()
            if not (bigrams or prefixes):
                return "TRUE", []
            rhs = PostgresBackend.tsquery(self.parsed, bigrams, prefixes).resolve_expression(compiler.query)
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        rhs_sql, rhs_params = compiler.compile(rhs)
        return f"{lhs_sql} @@ {rhs_sql}", (*lhs_params, *rhs_params)


class WalkableRowid(Func):
    """The document's id, as the match compares it with the full-text table's rowids. Inside
    core.planner.index_walk it is written `+id`: SQLite may then not look the matches up one by
    one from that list and sort them, and walks the date index instead, checking each row
    against the list (9 ms instead of 134 ms for 社区's 200 newest at 100k documents)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"+{sql}" if walking() else sql), params


class SqliteBackend:
    @staticmethod
    def fts_query(query: ParsedQuery, title_only=False) -> str:
        parts = [f'"{token}"' for token in query.bigrams] + [f'"{token}"*' for token in query.prefixes]
        expression = " AND ".join(parts)
        return f"title_tokens : ({expression})" if title_only else expression

    def match(self, qs, query: ParsedQuery, title_only=False):
        return qs.alias(fts_rowid=WalkableRowid(F("pk"))).filter(
            fts_rowid__in=RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                [self.fts_query(query, title_only=title_only)],
            )
        )

    def titles_with_any(self, qs, tokens):
        either = " OR ".join(f'"{token}"' for token in tokens)
        return qs.filter(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [f"title_tokens : ({either})"])
        )

    def rank(self, qs, query: ParsedQuery):
        """BM25 with per-column weights (title, keywords, body), times the source's boost.

        bm25() exists only inside the full-text query itself, so the FTS table is joined
        (one MATCH for all rows; a correlated subquery would run one per row). Lower is better,
        hence the minus."""
        boosts = rank_boosts()
        boost = (
            f"(CASE search_searchdocument.source{' WHEN %s THEN %s' * len(boosts)} ELSE 1.0 END)" if boosts else "1.0"
        )
        return qs.extra(
            select={"rank": f"-bm25({FTS_TABLE}, {TITLE_WEIGHT}, {KEYWORD_WEIGHT}, {BODY_WEIGHT}) * {boost}"},
            select_params=[value for item in boosts.items() for value in item],
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = search_searchdocument.id", f"{FTS_TABLE} MATCH %s"],
            params=[self.fts_query(query)],
        )


class ScanBackend:
    """Any other database: the verbatim check alone decides, without ranking."""

    def match(self, qs, query, title_only=False):
        return qs

    def titles_with_any(self, qs, tokens):
        return qs.none()

    def rank(self, qs, query):
        return verbatim_rank(qs, query)


BACKENDS = {"postgresql": PostgresBackend(), "sqlite": SqliteBackend()}


def backend_for(qs):
    return BACKENDS.get(connections[qs.db].vendor, ScanBackend())
