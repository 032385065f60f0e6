"""Indexes for the replies changelist at a million records (ADR 0052): newest replies first,
and a 提案号 found without its session."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("proposals", "0002_default_vocabularies")]

    operations = [
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["number"], name="proposal_number"),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(fields=["-replied_on", "-id"], name="reply_admin_order"),
        ),
    ]
