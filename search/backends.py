"""The token match, in the form each database can index (migrations 0002 and 0003).

Both backends take and return ordinary QuerySets, so filters, facets, Paginator and
select_related work the same on either. Tokens hold only Han characters, letters and
digits (search.tokenizer), so quoting them is enough to keep query syntax out."""

from django.db import connections
from django.db.models import FloatField, Value
from django.db.models.expressions import RawSQL

from .query import ParsedQuery

FTS_TABLE = "search_searchdocument_fts"
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0


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
    def tsquery(query: ParsedQuery):
        from django.contrib.postgres.search import SearchQuery

        parts = [f"'{token}'" for token in query.bigrams] + [f"'{token}':*" for token in query.prefixes]
        return SearchQuery(" & ".join(parts), search_type="raw", config="simple")

    def match(self, qs, query: ParsedQuery, title_only=False):
        return qs.alias(search_vector_match=self.vector(title_only)).filter(search_vector_match=self.tsquery(query))

    def rank(self, qs, query: ParsedQuery):
        from django.contrib.postgres.search import SearchRank

        return qs.annotate(rank=SearchRank(self.vector(), self.tsquery(query)))


class SqliteBackend:
    @staticmethod
    def fts_query(query: ParsedQuery, title_only=False) -> str:
        parts = [f'"{token}"' for token in query.bigrams] + [f'"{token}"*' for token in query.prefixes]
        expression = " AND ".join(parts)
        return f"title_tokens : ({expression})" if title_only else expression

    def match(self, qs, query: ParsedQuery, title_only=False):
        return qs.filter(
            pk__in=RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                [self.fts_query(query, title_only=title_only)],
            )
        )

    def rank(self, qs, query: ParsedQuery):
        # bm25() exists only inside the full-text query itself, so the FTS table is joined
        # (one MATCH for all rows; a correlated subquery would run one per row). Lower is better.
        return qs.extra(
            select={"rank": f"-bm25({FTS_TABLE}, {TITLE_WEIGHT}, {BODY_WEIGHT})"},
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = search_searchdocument.id", f"{FTS_TABLE} MATCH %s"],
            params=[self.fts_query(query)],
        )


class ScanBackend:
    """Any other database: the verbatim check alone decides, without ranking."""

    def match(self, qs, query, title_only=False):
        return qs

    def rank(self, qs, query):
        return qs.annotate(rank=Value(0.0, output_field=FloatField()))


BACKENDS = {"postgresql": PostgresBackend(), "sqlite": SqliteBackend()}


def backend_for(qs):
    return BACKENDS.get(connections[qs.db].vendor, ScanBackend())
