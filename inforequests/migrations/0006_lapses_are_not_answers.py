"""Cases closed because the applicant let their time pass (逾期不补正, 逾期未缴费) were given the
days taken and "answered on time" as if answered: they leave the public statistics' median
and on-time rate, as a withdrawal does (services._close, answered=False)."""

from django.db import migrations

LAPSES = ["other_no_correction", "other_unpaid"]


def forget_timing(apps, schema_editor):
    Case = apps.get_model("inforequests", "Case")
    Case.objects.filter(outcome__in=LAPSES).update(answer_working_days=None, answered_on_time=None)


class Migration(migrations.Migration):
    dependencies = [("inforequests", "0005_reply_document_content_check")]

    operations = [migrations.RunPython(forget_timing, migrations.RunPython.noop)]
