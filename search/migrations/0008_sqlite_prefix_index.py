"""SQLite: the FTS5 table keeps an index of every token's first character (prefix='1'), so a
lone character (a prefix query since 0006, docs/decisions/0100) reads one list of documents
instead of merging the lists of every token it begins: 区's 200 newest at 100k documents in
10 ms instead of 91 ms (docs/decisions/0102). The table is rebuilt from the token columns:
about 12 s per 100,000 documents, and some 8 % more file. PostgreSQL: nothing changes (its
GIN index finds a prefix's entries side by side)."""

import importlib

from django.db import migrations

KEYWORD_TOKENS = importlib.import_module("search.migrations.0005_keyword_tokens")
COLUMNS = ["title_tokens", "keyword_tokens", "body_tokens"]


def _rebuild(schema_editor, prefix):
    if schema_editor.connection.vendor == "sqlite":
        for statement in KEYWORD_TOKENS._sqlite_fts(COLUMNS, prefix):
            schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _rebuild(schema_editor, 1)


def backwards(apps, schema_editor):
    _rebuild(schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [("search", "0007_facet_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
