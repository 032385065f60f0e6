"""A reminder is taken (claimed_at) before it is mailed and marked sent (sent_at) after, so the
mail is not sent inside a transaction. Rows already there were sent."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inforequests', '0006_lapses_are_not_answers'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalreminder',
            name='claimed_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='开始发送时间'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='claimed_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='开始发送时间'),
        ),
        migrations.AlterField(
            model_name='historicalreminder',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='发送时间'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='发送时间'),
        ),
    ]
