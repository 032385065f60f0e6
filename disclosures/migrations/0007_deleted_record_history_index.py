"""An index of the history rows simple-history keeps of deleted records: the feeds and
sitemaps date themselves by the last deletion of a public record
(disclosures.selectors.record_removals), which would otherwise read every history row (one or
more per record) after each change. Partial, so it holds only the few deletions; written in
SQL because the history model is made by simple-history (both databases take it)."""

from django.db import migrations

INDEX = "record_history_deleted"
TABLE = "disclosures_historicaldisclosurerecord"


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0006_admin_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON {TABLE} (history_date) WHERE history_type = '-'",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
