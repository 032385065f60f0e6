"""Indexes for the staff changelist at a million records (ADR 0052): its default order (any
status, newest first), exact 文号, the 有效性 and 公开方式 filters, and — PostgreSQL only — a
GIN index over the character pairs of each record's 名称 and 文号, so a word search finds its
few matches without reading every row (disclosures.selectors.records_admin_search).

The pairs come from an SQL function (the index needs an immutable expression); the query
uses the same expression (selectors.RecordWords) and a LIKE confirms each candidate. SQLite
has neither: its changelist search reads the rows, which it can afford at its sizes."""

from django.db import migrations, models

FUNCTION = "disclosures_record_words"
INDEX = "record_admin_words"
TABLE = "disclosures_disclosurerecord"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(title text, number text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(part, i, 2)), '{{}}')
  FROM unnest(ARRAY[lower(coalesce(title, '')), lower(coalesce(number, ''))]) AS part,
       generate_series(1, char_length(part) - 1) AS i
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} USING gin ({FUNCTION}(title, document_number))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text, text)")


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0005_review")]

    operations = [
        migrations.AddIndex(
            model_name="disclosurerecord",
            index=models.Index(fields=["-published_at", "-id"], name="record_admin_order"),
        ),
        migrations.AddIndex(
            model_name="disclosurerecord",
            index=models.Index(fields=["document_number"], name="record_document_number"),
        ),
        migrations.AddIndex(
            model_name="disclosurerecord",
            index=models.Index(fields=["validity"], name="record_validity"),
        ),
        migrations.AddIndex(
            model_name="disclosurerecord",
            index=models.Index(fields=["disclosure_mode"], name="record_disclosure_mode"),
        ),
        migrations.RunPython(create, drop),
    ]
