"""Applicant identifiers encrypted at rest (Fernet, from `cryptography`).

Keys: INFOREQUESTS_FIELD_KEYS (comma-separated Fernet keys, newest first, so keys can be
rotated) or, when unset, one key derived from SECRET_KEY. See docs/decisions/0010."""

import base64
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret: str):
    # Imported on first use: `cryptography` costs every worker ~10 MiB, and only pages showing
    # an applicant's details need it.
    from cryptography.fernet import Fernet, MultiFernet

    if not keys:
        derived = hashlib.sha256(b"govportal.inforequests.fields|" + secret.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key) for key in keys])


def fernet():
    return _fernet(tuple(getattr(settings, "INFOREQUESTS_FIELD_KEYS", ()) or ()), settings.SECRET_KEY)


def digest(value: str, purpose: str) -> str:
    """A keyed hash: equal inputs match (the 查询码, one applicant's requests) without storing them."""
    # INFOREQUESTS_DIGEST_KEY lets SECRET_KEY rotate without invalidating every 查询码.
    secret = getattr(settings, "INFOREQUESTS_DIGEST_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(b"govportal.inforequests.digest|" + secret.encode()).digest()
    return hmac.new(key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def seal(value: str, purpose: str) -> str:
    """`value` encrypted for an address (Fernet: authenticated and dated), for `purpose` only."""
    return fernet().encrypt(f"{purpose}|{value}".encode()).decode()


def unseal(token: str, purpose: str, *, max_age: int) -> str | None:
    """What seal() encrypted for `purpose` at most `max_age` seconds ago, else None."""
    from cryptography.fernet import InvalidToken

    try:
        text = fernet().decrypt(token.encode(), ttl=max_age).decode()
    except (InvalidToken, UnicodeError):
        return None
    prefix = f"{purpose}|"
    return text.removeprefix(prefix) if text.startswith(prefix) else None


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python sees the plain text. Not searchable or sortable by design."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        from cryptography.fernet import InvalidToken

        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            return "（无法解密）"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return fernet().encrypt(value.encode()).decode()
