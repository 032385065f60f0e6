"""WSGI entry for `make run`: the development settings behind gunicorn, so the quick
start needs no secrets. Production uses govportal.wsgi (production settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.dev")
application = get_wsgi_application()
