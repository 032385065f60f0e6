"""A publisher's and a topic's documents newest first, each with its own index (the foreign
keys' own one-column indexes go: the new ones begin with the same column).

The foreign keys change in the migration state only, and their old indexes are dropped by
name: Django would rebuild the whole table on SQLite to alter a field, and the rebuilt table
loses the triggers that keep the full-text table in step (migration 0002). They are dropped
last: on PostgreSQL, DROP INDEX locks the table against reads until the migration commits,
while building an index only holds writes back."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "search_searchdocument"


def drop_single_column_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and info["columns"] in (["publisher_id"], ["topic_id"]):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_single_column_indexes(apps, schema_editor):
    for column in ("publisher_id", "topic_id"):
        name = schema_editor.quote_name(f"{TABLE}_{column}")
        schema_editor.execute(f"CREATE INDEX {name} ON {TABLE} ({column})")


def foreign_key(to, verbose_name, db_index):
    return models.ForeignKey(
        blank=True,
        db_index=db_index,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0006_admin_indexes"),
        ("search", "0008_sqlite_prefix_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(fields=["publisher", "-published_at", "-id"], name="search_document_publisher_date"),
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(fields=["topic", "-published_at", "-id"], name="search_document_topic_date"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="searchdocument",
                    name="publisher",
                    field=foreign_key("disclosures.organization", "发布机构", False),
                ),
                migrations.AlterField(
                    model_name="searchdocument", name="topic", field=foreign_key("disclosures.topic", "主题分类", False)
                ),
            ],
            database_operations=[migrations.RunPython(drop_single_column_indexes, create_single_column_indexes)],
        ),
    ]
