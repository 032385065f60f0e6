"""Telling PostgreSQL's planner to read along an index, for the one query that needs it.

Many matches, newest first, are cheapest read by walking the date index and checking each row
until a page is full. PostgreSQL estimates a several-token match as if the tokens were
independent (a few hundred rows where there are tens of thousands), or a LIKE from a
100-value histogram, and then reads every match and sorts them instead. When the caller knows
the matches are dense, `index_walk` takes the alternatives away for the queries run inside it.

The opposite mistake: a match it overestimates (two common words that rarely meet, in a
title), newest first, is planned as that walk and reads the whole date index to find the few
(3 s at a million records). When the caller knows the matches are few, `index_lookup` makes
it find them through their own index (a bitmap scan of the full-text index) and sort them.

SQLite has no settings to change: its planner drives a `rowid IN (full-text match)` from the
list of matches (a row lookup each, then a sort: 130 ms for 90,000 matches at 100k documents).
Inside `index_walk`, `walking()` is true, and a query that can be written so it walks the date
index instead says so in its SQL (search.backends.SqliteBackend).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections, transaction

# What the walk's cost estimate (the whole index) would otherwise trigger: bitmap or sequential
# scans, JIT compilation, which alone takes a second, and parallel workers, whose start costs
# more than the few thousand rows the walk reads.
PLANNER_SETTINGS = {
    "enable_bitmapscan": "off",
    "enable_seqscan": "off",
    # Nor a sort: with bitmaps off, a walk along another index (a type's rows by their unique
    # key, 980,000 of them at a million records) then sorting the few it expects tied with the
    # walk along the ordering's index, and won (1.6 s instead of 7 ms).
    "enable_sort": "off",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}
# The lookup: no walk along an ordering's index and no sequential scan, so the few matches
# come from the index that finds them (a bitmap scan) and are sorted.
LOOKUP_SETTINGS = {
    "enable_indexscan": "off",
    "enable_seqscan": "off",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}


_walking = ContextVar("index_walk", default=False)


def walking() -> bool:
    """Whether the queries compiled now run inside `index_walk` (for SQL that says it itself)."""
    return _walking.get()


@contextmanager
def index_walk(using):
    """Queries run inside use an index scan where they can (PostgreSQL), or are written to
    (SQLite: `walking()`)."""
    token = _walking.set(True)
    try:
        with _planned(using, PLANNER_SETTINGS):
            yield
    finally:
        _walking.reset(token)


def index_lookup(using):
    """Queries run inside find their rows with a bitmap scan (few matches, known to be few)."""
    return _planned(using, LOOKUP_SETTINGS)


@contextmanager
def _planned(using, settings):
    """The settings are transaction-local and put back afterwards, in case a caller's
    transaction goes on (an error inside leaves the original error to the caller)."""
    if connections[using].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in settings), list(settings))
        before = cursor.fetchone()
        _set(cursor, settings)
        yield
        # Not in a `finally`: after an error (a statement timeout) the transaction takes no more
        # statements, and rolling back to the savepoint puts the settings back anyway.
        _set(cursor, dict(zip(settings, before)))


def _set(cursor, values):
    cursor.execute(
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in values),
        [item for pair in values.items() for item in pair],
    )
