"""The full-text index, in the form each database supports (see search/backends.py).

PostgreSQL: a GIN index on the weighted 'simple' tsvector of the token columns. It is an
expression index, so the query must use exactly this expression (search.backends does,
and tests/search check the plan). It is not in Meta.indexes: SQLite cannot build it.

SQLite: an FTS5 external-content table over the same token columns, kept in sync by
triggers (the 'delete' command idiom), so every write path, bulk ones included, updates it."""

from django.db import migrations

FTS = "search_searchdocument_fts"
TABLE = "search_searchdocument"
PG_INDEX = "search_document_fts_gin"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(title_tokens, body_tokens, content='{TABLE}', content_rowid='id')",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, title_tokens, body_tokens) VALUES (new.id, new.title_tokens, new.body_tokens);
    END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
    END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
        INSERT INTO {FTS}(rowid, title_tokens, body_tokens) VALUES (new.id, new.title_tokens, new.body_tokens);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        # Built by Django from the same expression search.backends queries with, so the
        # SQL matches character for character.
        vector = SearchVector("title_tokens", weight="A", config="simple") + SearchVector(
            "body_tokens", weight="B", config="simple"
        )
        schema_editor.add_index(apps.get_model("search", "SearchDocument"), GinIndex(vector, name=PG_INDEX))
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
