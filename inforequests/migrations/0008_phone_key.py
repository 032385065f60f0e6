"""Staff find a case by the applicant's phone number: its keyed digest (Case.phone_key, set on
every save), filled in here for the cases there are."""

from django.db import migrations, models


def fill_phone_keys(apps, schema_editor):
    from inforequests.models import phone_key

    Case = apps.get_model("inforequests", "Case")
    for case in Case.objects.only("pk", "phone").iterator():
        Case.objects.filter(pk=case.pk).update(phone_key=phone_key(case.phone))


class Migration(migrations.Migration):
    dependencies = [
        ("inforequests", "0007_reminders_taken_before_sending"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="phone_key",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=64, verbose_name="联系电话摘要"
            ),
        ),
        migrations.AddField(
            model_name="historicalcase",
            name="phone_key",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=64, verbose_name="联系电话摘要"
            ),
        ),
        migrations.RunPython(fill_phone_keys, migrations.RunPython.noop, elidable=True),
    ]
