"""Tests: what the suite must not depend on (collectstatic, slow hashing, real mail)."""

import tempfile

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Nothing is collected for tests (the live server serves static files from the finders), so
# WhiteNoise has no directory to read: without this, every test warns "No directory at".
STATIC_ROOT = None
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
AXES_ENABLED = True
# One process with its own local-memory cache: no stamp file shared with other test runs.
PAGE_CACHE_STAMP_FILE = None
COUNTER_FILE = None  # likewise: counts in this process (tests of the shared file make their own)
RATE_LIMIT_FILE = None  # likewise: limits in the test cache, emptied between tests
# Views stay buffered until a test flushes them (tests/disclosures/test_view_count.py).
VIEW_COUNT_FLUSH_SECONDS = 0
DEMO_DATA_ALLOWED = True  # the demo loader and its accounts are tested (and refused under prod)
# Import runs inline: another process would not see the test database's transaction.
IMPORTS_BACKGROUND = False
# Search's slot files of this process alone (tests of the guard share them between threads).
SEARCH_SLOT_DIRECTORY = tempfile.mkdtemp(prefix="govportal-search-slots-")
