"""How common a query's tokens are, read from PostgreSQL's own statistics (ADR 0110).

How to read many matches newest first depends on their share of the documents, not on their
number: a walk along the date index checks about `wanted / share` rows, each with its
out-of-line vector, while a bitmap of the full-text index builds every match first. ANALYZE
keeps the lexemes found in most documents, each with the share of documents holding it
(pg_stats.most_common_elems of the stored vector). The planner multiplies those shares as if
a phrase's bigrams were independent; here the rarest one stands for the phrase, since its
bigrams come together. A token the statistics do not list is rarer than every one they do.

Kept in each process for KEEP_SECONDS: the shares change only when ANALYZE runs again."""

import time

from django.db import connections

KEEP_SECONDS = 3600
# From this share on, matches are dense: the walk for the first 2,001 reads at most a few
# thousand rows, where a bitmap of the full-text index would hold hundreds of thousands.
DENSE_SHARE = 0.3
# Below these shares a walk for the newest matches costs more than looking them up among the
# newest documents: it checks ten rows for each it keeps, each with its 4 KB vector stored out
# of line; a title's vector is small and in the row, so a title walk pays off down to 2 %
# (区 in titles, 5 %: the walk reads 2,000 short rows, a lookup unites every 区… posting list).
WALK_SHARES = {"search_vector": 0.1, "search_title_vector": 0.02}

_kept: dict[tuple[str, str], tuple[float, dict | None]] = {}


def lexeme_shares(using: str, column: str = "search_vector") -> dict[str, float] | None:
    """{lexeme: share of documents} for the most common lexemes, plus "" for the share below
    which lexemes are not listed; None where there are no such statistics (not PostgreSQL, or
    the table not analyzed yet)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    kept = _kept.get((using, column))
    if kept is not None and time.monotonic() - kept[0] < KEEP_SECONDS:
        return kept[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT element, share FROM pg_stats AS stats, "
            "unnest(stats.most_common_elems::text::text[], stats.most_common_elem_freqs) AS listed(element, share) "
            "WHERE stats.schemaname = current_schema() AND stats.tablename = 'search_searchdocument' "
            "AND stats.attname = %s AND element IS NOT NULL",
            [column],
        )
        rows = cursor.fetchall()
    shares = {element: share for element, share in rows} if rows else None
    if shares:
        shares[""] = min(shares.values())
    _kept[(using, column)] = (time.monotonic(), shares)
    return shares


def match_share(query, using: str, column: str = "search_vector") -> float | None:
    """About what share of the documents hold every token of the query; None if unknown.

    A bigram's share is its own, or below the least listed. A lone character (a prefix) is
    at least as common as the most common bigram it begins. The query's share is its rarest
    token's: tokens of one phrase come together, so that is close, not a product."""
    shares = lexeme_shares(using, column)
    if not shares or not (query.bigrams or query.prefixes):
        return None
    floor = shares[""]
    parts = [shares.get(bigram, floor) for bigram in query.bigrams]
    for prefix in query.prefixes:
        parts.append(
            max((share for lexeme, share in shares.items() if lexeme and lexeme.startswith(prefix)), default=floor)
        )
    return min(parts)


def sample_reading(query, using: str) -> str | None:
    """How the first matches for the facets are read: "walk" (dense: newest first along the
    date index), "lookup" (known to be less common: through the full-text index, as a bitmap),
    or None (unknown: as the planner chooses). Below DENSE_SHARE the planner, which does not
    price reading each row's out-of-line vector, scans the table until it has the sample:
    for 通知 (25 %) 8,000 rows and their vectors, 160 ms, where the exact bitmap (ADR 0104)
    takes 70 ms and no vector."""
    share = match_share(query, using)
    if share is None:
        return None
    if share >= DENSE_SHARE:
        return "walk"
    # A lone character's share is only a floor (its commonest pair's): 的 is in nearly every
    # document, and the bitmap of every 的… lexeme took 0.4 s.
    return None if query.prefixes else "lookup"


def window_share(query, using: str, column: str = "search_vector") -> float | None:
    """The query's share where it is known to be rare (below WALK_SHARES), not merely unknown:
    the newest matches are then looked up among the newest documents rather than walked for;
    else None. `column`: search_title_vector for title hits."""
    share = match_share(query, using, column)
    return share if share is not None and share < WALK_SHARES[column] else None


def forget() -> None:
    """For tests that analyze the table again."""
    _kept.clear()
