"""PostgreSQL only: store the weighted tsvector in a generated column and index that.

An expression index alone makes PostgreSQL recompute to_tsvector() for every candidate
row, both on recheck and for ranking: seconds for a common word over a few thousand long
bodies (search_benchmark). A STORED generated column is computed once per write, and the
database keeps it right on every write path, bulk ones included. SQLite keeps its FTS5
table (0002). The column is not on the model (SQLite has no tsvector): search.backends
reads it by name."""

from django.db import migrations

TABLE = "search_searchdocument"
INDEX = "search_document_fts_gin"
VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, COALESCE(title_tokens, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(body_tokens, '')), 'B')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} USING gin (search_vector)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} USING gin (({VECTOR}))")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext_index")]

    operations = [migrations.RunPython(forwards, backwards)]
