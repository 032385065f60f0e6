import os

import pytest
from django.core.management import call_command
from django.db import connection

# pytest-playwright's sync API runs an event loop; without this, ORM calls inside a
# test that also uses `page` raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SEED_INDEX_NUMBER = "015117762-202306-707714"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from disclosures.services import record_view_counts
    from portal.pagecache import reset_local

    cache.clear()
    reset_local()  # the page cache's per-process copies go with the cache
    record_view_counts.clear()  # buffered 浏览次数 must not leak into the next test
    yield
    cache.clear()
    reset_local()
    record_view_counts.clear()


@pytest.fixture
def seed(db):
    """The Guandu seed page, loaded the way `make run` loads it."""
    call_command("load_seed", verbosity=0)
    from disclosures.models import DisclosureRecord

    return DisclosureRecord.objects.get(index_number=SEED_INDEX_NUMBER)


@pytest.fixture
def reader_client(client):
    """A browser-like client (crawlers are not counted as readers)."""
    client.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"
    return client


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)
