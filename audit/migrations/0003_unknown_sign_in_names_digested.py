"""Failed sign-ins recorded before names that are no account's were digested (audit.services.
attempted_name) may hold a password typed into the username box: rewritten the same way, in
the audit log and in the lockout's attempts. Run as the tables' owner (migrate is), the one
role that may change the audit log. Its own copy of the rule: a migration must not change
with the code."""

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac


def _digested(typed):
    return f"(未知账号 {salted_hmac('audit.attempted_name', typed).hexdigest()[:10]})"


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    names = set(User._default_manager.values_list("username", flat=True))  # historical models lack USERNAME_FIELD
    AuditEntry = apps.get_model("audit", "AuditEntry")
    entries = AuditEntry.objects.filter(action="login_failed").exclude(actor_name="")
    for typed in set(entries.values_list("actor_name", flat=True)):
        if typed not in names and not typed.startswith("(未知账号 "):
            entries.filter(actor_name=typed).update(actor_name=_digested(typed))
    AccessAttempt = apps.get_model("axes", "AccessAttempt")
    for attempt in AccessAttempt.objects.exclude(username__isnull=True).exclude(username=""):
        if attempt.username not in names and not attempt.username.startswith("(未知账号 "):
            attempt.username = _digested(attempt.username)
            attempt.save(update_fields=["username"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_review_actions"),
        ("axes", "0010_accessattemptexpiration"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
