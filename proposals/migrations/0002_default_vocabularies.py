"""Ship the Kunming A/B/C classification and the 满意/基本满意/不满意 scale as editable rows.

The rows are a frozen copy of proposals.defaults as it was when this migration was written:
a migration must create the same rows on every install, whatever the live module says later."""

from django.db import migrations

CATEGORIES = [
    ("A", "得到解决或部分解决"),
    ("B", "列入计划逐步解决"),
    ("C", "前瞻性较强，短期内不具备条件采纳落实"),
]
# code, label, counts as satisfied, requires 重新办理
LEVELS = [
    ("satisfied", "满意", True, False),
    ("basically_satisfied", "基本满意", True, False),
    ("dissatisfied", "不满意", False, True),
]


def forwards(apps, schema_editor):
    category_model = apps.get_model("proposals", "ReplyCategory")
    level_model = apps.get_model("proposals", "SatisfactionLevel")
    for position, (code, label) in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(code=code, defaults={"label": label, "position": position})
    for position, (code, label, satisfied, rehandle) in enumerate(LEVELS, start=1):
        level_model.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "position": position,
                "counts_as_satisfied": satisfied,
                "requires_rehandling": rehandle,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
