"""Holding back the second step after wrong codes, counted per pool of browsers.

django-otp counted failures on the device: anyone holding the password could type wrong codes
and hold back the owner's own second step. Here the failures of one account are counted apart
for each browser that has passed the second step as that account (a signed cookie it was given
then), and together for every other browser. The strangers' pool is as strict as the device's
count was (one count, whatever the address: guessing from many addresses gains nothing); the
owner's usual browser is not held back by anyone else's failures. Each code format (the
authenticator's 6 digits, a recovery code, enrolment) has its pools, as before: mistyped
authenticator codes do not hold back the recovery codes."""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import SecondStepFailures

# After the first failure 1 s, then doubling (django-otp's own rule, which settings turn off).
FIRST_WAIT_SECONDS = 1
LONGEST_WAIT_SECONDS = 365 * 86400

KNOWN_BROWSER_COOKIE = "second_step_browser"
KNOWN_BROWSER_SALT = "security.second-step-browser"
KNOWN_BROWSER_SECONDS = 180 * 86400


def known_browser(request, user) -> str | None:
    """This browser's id if it has passed the second step as `user` (and the cookie saying so
    is ours and not older than KNOWN_BROWSER_SECONDS)."""
    value = request.get_signed_cookie(
        KNOWN_BROWSER_COOKIE, default=None, salt=KNOWN_BROWSER_SALT, max_age=KNOWN_BROWSER_SECONDS
    )
    user_id, _, browser = (value or "").partition(":")
    return browser if browser and user_id == str(user.pk) else None


def remember_browser(request, response) -> None:
    """After a passed second step: this browser counts its failures apart from now on."""
    user = request.user
    browser = known_browser(request, user) or secrets.token_urlsafe(12)
    response.set_signed_cookie(
        KNOWN_BROWSER_COOKIE,
        f"{user.pk}:{browser}",
        salt=KNOWN_BROWSER_SALT,
        max_age=KNOWN_BROWSER_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def pool(request, kind: str) -> str:
    browser = known_browser(request, request.user)
    return f"{kind}:{browser}" if browser else kind


def lock(user) -> None:
    """Inside a transaction: hold this account's second step until it commits, so that codes
    sent at the same moment are checked one after the other, each seeing the failures before
    it (else as many codes are checked as are sent at once, whatever the hold-back says)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


def held_until(user, pool: str) -> dt.datetime | None:
    """Until when failures hold `pool` back; None when a code may be checked now."""
    row = SecondStepFailures.objects.filter(user=user, pool=pool).first()
    if row is None or not row.failures:
        return None
    wait = min(FIRST_WAIT_SECONDS * 2 ** min(row.failures - 1, 40), LONGEST_WAIT_SECONDS)
    until = row.last_failure_at + dt.timedelta(seconds=wait)
    return until if until > timezone.now() else None


@transaction.atomic
def failed(user, pool: str) -> None:
    now = timezone.now()
    row, created = SecondStepFailures.objects.get_or_create(
        user=user, pool=pool, defaults={"failures": 1, "last_failure_at": now}
    )
    if not created:
        SecondStepFailures.objects.filter(pk=row.pk).update(failures=F("failures") + 1, last_failure_at=now)


def passed(user, pool: str) -> None:
    SecondStepFailures.objects.filter(user=user, pool=pool).delete()


def forget_user(sender, instance, **kwargs):
    """A device removed (a lost phone, by an administrator): its owner starts afresh."""
    SecondStepFailures.objects.filter(user_id=instance.user_id).delete()
