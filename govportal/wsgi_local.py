"""WSGI entry for `make run`: the development settings behind gunicorn, so the quick
start needs no secrets. Production uses govportal.wsgi (production settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.dev")
application = get_wsgi_application()

from portal.pagecache import PageCacheApp  # noqa: E402  (needs the settings loaded above)

# Cached anonymous pages are answered here, before Django builds a request.
application = PageCacheApp(application)
