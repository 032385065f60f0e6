"""Keywords (关键字, 内容概述, 发布机构 … the documents' `extra` fields) get a token column of
their own, so ranking can weigh them between the title and the body (docs/decisions/0080).

PostgreSQL: the stored vector becomes A = title, B = keywords, C = body (generated columns
cannot be altered, so it is dropped and added again with its GIN index). SQLite: the FTS5
table gets the third column, for bm25()'s per-column weights. Rows indexed before this
migration keep their keywords inside body_tokens until `rebuild_search_index` runs: still
found, only ranked as body text."""

from django.db import migrations, models

TABLE = "search_searchdocument"
FTS = "search_searchdocument_fts"
PG_INDEX = "search_document_fts_gin"
PG_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, COALESCE(title_tokens, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(keyword_tokens, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(body_tokens, '')), 'C')"
)
PG_VECTOR_BEFORE = (
    "setweight(to_tsvector('simple'::regconfig, COALESCE(title_tokens, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(body_tokens, '')), 'B')"
)


def _sqlite_fts(columns, prefix=None):
    """The statements that (re)create the FTS5 table over `columns` (with FTS5's index of
    `prefix`-character prefixes, if given) and its triggers, and fill it."""
    names = ", ".join(columns)
    options = f", prefix='{prefix}'" if prefix else ""
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"DROP TRIGGER IF EXISTS {FTS}_ai",
        f"DROP TRIGGER IF EXISTS {FTS}_ad",
        f"DROP TRIGGER IF EXISTS {FTS}_au",
        f"DROP TABLE IF EXISTS {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({names}, content='{TABLE}', content_rowid='id'{options})",
        f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN
            INSERT INTO {FTS}(rowid, {names}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN
            INSERT INTO {FTS}({FTS}, rowid, {names}) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER {FTS}_au AFTER UPDATE ON {TABLE} BEGIN
            INSERT INTO {FTS}({FTS}, rowid, {names}) VALUES ('delete', old.id, {old});
            INSERT INTO {FTS}(rowid, {names}) VALUES (new.id, {new});
        END""",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    ]


def _postgres_vector(schema_editor, expression):
    schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED"
    )
    schema_editor.execute(f"CREATE INDEX {PG_INDEX} ON {TABLE} USING gin (search_vector)")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _postgres_vector(schema_editor, PG_VECTOR)
    elif vendor == "sqlite":
        for statement in _sqlite_fts(["title_tokens", "keyword_tokens", "body_tokens"]):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _postgres_vector(schema_editor, PG_VECTOR_BEFORE)
    elif vendor == "sqlite":
        for statement in _sqlite_fts(["title_tokens", "body_tokens"]):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_postgres_title_vector")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="keyword_tokens",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(forwards, backwards),
    ]
