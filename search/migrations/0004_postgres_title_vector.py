"""PostgreSQL only: a small stored tsvector of the title tokens with its own GIN index.

"Title hits first" fetches the documents whose title (文号, 索引号, 提案号) has every term.
Matching weight-A lexemes in the full vector needs a recheck of every candidate's large
vector, and the planner then prefers a sequential scan; this column answers the same
question from a small index. SQLite uses the FTS5 column filter instead."""

from django.db import migrations

TABLE = "search_searchdocument"
INDEX = "search_document_title_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN search_title_vector tsvector GENERATED ALWAYS AS "
        "(to_tsvector('simple'::regconfig, COALESCE(title_tokens, ''))) STORED"
    )
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} USING gin (search_title_vector)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_title_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_postgres_stored_vector")]

    operations = [migrations.RunPython(forwards, backwards)]
