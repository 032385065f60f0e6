"""Indexes for the facets that the cold searches of issue 22 read past: a type newest first,
and a rare 有效性 (docs/decisions/0101)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('disclosures', '0006_admin_indexes'),
        ('search', '0006_final_character_tokens'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='searchdocument',
            index=models.Index(fields=['source', '-published_at', '-id'], name='search_document_source_date'),
        ),
        migrations.AddIndex(
            model_name='searchdocument',
            index=models.Index(fields=['validity'], name='search_document_validity'),
        ),
    ]
