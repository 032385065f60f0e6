"""Staff find a case by the applicant's phone number: its keyed digest (Case.phone_key, set on
every save), filled in here for the cases there are."""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.db import migrations, models

# A frozen copy of inforequests.models.phone_key (with identity.phone_digits and crypto.digest)
# as it was when this migration was written: a migration must give the same keys whatever the
# app's code becomes. Should the live function change, a new migration refills the keys.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _phone_digits(value):
    folded = unicodedata.normalize("NFKC", value or "")
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf" or ch in _BIDI_CONTROLS)
    digits = re.sub(r"[^0-9]", "", folded.split("转", 1)[0])
    for country in ("0086", "86"):
        if digits.startswith(country) and len(digits) - len(country) >= 10:
            digits = digits[len(country) :]
            return digits if digits.startswith(("0", "1")) else f"0{digits}"
    return digits


def phone_key(phone):
    digits = _phone_digits(phone)
    if not digits:
        return ""
    secret = getattr(settings, "INFOREQUESTS_DIGEST_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(b"govportal.inforequests.digest|" + secret.encode()).digest()
    return hmac.new(key, f"phone|{digits}".encode(), hashlib.sha256).hexdigest()


def fill_phone_keys(apps, schema_editor):
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
