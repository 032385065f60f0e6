"""Each Han run's final character becomes a token too (search.tokenizer._han_tokens), so a
lone-character query is answered through the full-text index as a prefix (局 → 局*) instead
of reading every document's text (docs/decisions/0100). The token columns of documents
indexed before are recomputed from the stored title, fields and body, in batches; the
PostgreSQL vector (a generated column) and the SQLite FTS table (triggers) follow.

Not atomic: each batch commits on its own, so publishing goes on meanwhile (one transaction
would hold every document's row lock until the end: some 10 minutes of tokenizing alone per
million documents on the bench host). Run again after an interruption, it starts over; the
batches already done are recomputed to the same tokens."""

from django.db import migrations

BATCH = 1000


def retokenize(apps, schema_editor):
    from search.services import document_tokens

    SearchDocument = apps.get_model("search", "SearchDocument")
    columns = ["title_tokens", "keyword_tokens", "body_tokens"]
    last = 0
    while True:
        rows = list(SearchDocument.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        for row in rows:
            tokens = document_tokens(
                title=row.title,
                field_values=[value for _, value in row.fields],
                keyword_values=[value for _, value in row.extra],
                body=row.body_text,
            )
            for column in columns:
                setattr(row, column, tokens[column])
        SearchDocument.objects.bulk_update(rows, columns)
        last = rows[-1].pk


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("search", "0005_keyword_tokens")]

    operations = [migrations.RunPython(retokenize, migrations.RunPython.noop, elidable=True)]
