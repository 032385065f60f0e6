"""The production app loads neither an API framework nor Django's test tooling: django-ninja
(which imports django.test, and with it unittest, difflib, xml.dom …) and pydantic cost each
worker about 16 MiB of its 80 MiB (docs/decisions/0007-open-data-api-plain-django.md)."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

FORBIDDEN = ("ninja", "pydantic", "pydantic_core", "django.test")


def test_the_wsgi_app_imports_no_api_framework_and_no_test_tooling():
    # A fresh interpreter, as a gunicorn worker starts: pytest itself has imported django.test.
    code = f"import sys, govportal.wsgi; print(*[m for m in {FORBIDDEN!r} if m in sys.modules])"
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_REPLICA_URLS"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "govportal.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": "sqlite:///:memory:",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], f"imported by govportal.wsgi: {result.stdout}"
