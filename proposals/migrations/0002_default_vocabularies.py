"""Ship the Kunming A/B/C classification and the 满意/基本满意/不满意 scale as editable rows."""

from django.db import migrations

from proposals.defaults import ensure_defaults


def forwards(apps, schema_editor):
    ensure_defaults(apps.get_model("proposals", "ReplyCategory"), apps.get_model("proposals", "SatisfactionLevel"))


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
