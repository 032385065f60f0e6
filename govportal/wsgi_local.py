"""WSGI entry for `make run`: the development settings behind gunicorn, so the quick
start needs no secrets. Production uses govportal.wsgi (production settings); apart from
the settings, both are the same application."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.dev")

from govportal.wsgi import application  # noqa: E402,F401  (the settings must be chosen first)
