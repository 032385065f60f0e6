"""Reference 2: a bare Django page — what `django-admin startproject` gives (its default
middleware and template settings), one view rendering the seed record's HTML as a
template, no database query. The project's pages are measured against it.

Settings, URLconf, view and WSGI entry live in this one module:
    DJANGO_SETTINGS_MODULE=bench.refapps.bare_django gunicorn bench.refapps.bare_django:application
"""

import os
from pathlib import Path

from django.urls import path

PAGE_FILE = Path(os.environ.get("BENCH_PAGE_FILE", "bench/data/reference_page.html")).resolve()

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-reference-only-not-a-secret-" + "x" * 32)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]
# startproject's default middleware, in its order.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PAGE_FILE.parent],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {}  # no query, by definition of the reference
USE_TZ = True


def page(request, rest=""):
    from django.shortcuts import render

    return render(request, PAGE_FILE.name, {"title": "reference"})


urlpatterns = [path("", page), path("<path:rest>", page)]


def _application():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


application = _application() if os.environ.get("DJANGO_SETTINGS_MODULE") == __name__ else None
