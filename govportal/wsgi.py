import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.prod")
application = get_wsgi_application()

from django.urls import reverse  # noqa: E402  (needs the settings loaded above)

from core.pagecache import PageCacheApp  # noqa: E402

# Load the URLconf (every view, the admin, the API) while the worker boots, not during its
# first request: a restarted worker (--max-requests) would otherwise answer it 0.3 s late.
reverse("portal:home")

# Cached anonymous pages are answered here, before Django builds a request.
application = PageCacheApp(application)
