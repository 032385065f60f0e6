import os
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, transaction

# pytest-playwright's sync API runs an event loop; without this, ORM calls inside a
# test that also uses `page` raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SEED_INDEX_NUMBER = "015117762-202306-707714"


def clear_caches():
    from django.core.cache import cache

    from core.pagecache import reset_local
    from disclosures.services import record_view_counts
    from search import density

    cache.clear()
    reset_local()  # the page cache's per-process copies go with the cache
    record_view_counts.clear()  # buffered 浏览次数 must not leak into the next test
    density.forget()  # PostgreSQL's lexeme shares, kept per process: tests ANALYZE their own rows


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture(autouse=True)
def _settings_restored():
    """Every test leaves the settings as it found them. A setting changed through pytest-django's
    `settings` inside a test decorated with override_settings is undone out of order: the
    decorator's values then stayed for the rest of the run (a limit of 2 applications an hour
    refused later tests' applications, depending on which tests ran before)."""
    from django.conf import settings

    before = settings._wrapped
    yield
    assert settings._wrapped is before, "this test left the settings changed: an override was undone out of order"


@contextmanager
def shared_transaction(django_db_blocker):
    """For data a module's tests share: what a module-scoped fixture loads inside this block is
    rolled back when the block ends. pytest sets up module-scoped fixtures before the `db`
    fixture, so each test's own transaction is a savepoint inside this one and whatever a test
    changes is undone before the next test. Not for modules with transaction=True tests."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # like TestCase's own blocks: durable=True inside stays allowed
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, and at the end of the run every other session on the test database
    ended just before it is dropped: ORM calls made while Playwright's event loop runs get a
    connection of their own (Django keeps connections per async context), which nothing closes,
    and PostgreSQL then refuses to drop the database ("1 other session"). Torn down after every
    fixture that uses the database (live servers included), since they all depend on this."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="module")
def shared_seed(django_db_setup, django_db_blocker):
    """Opt-in for modules whose tests (nearly) all use the seed:
    `pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]`.
    The seed is loaded once for the module, the way `make run` loads it, and is there for every
    test of the module; `seed` then only looks the record up (see `shared_transaction`)."""
    with shared_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("load_seed", verbosity=0)
        yield


@pytest.fixture
def seed(request, db):
    """The Guandu seed page, loaded the way `make run` loads it (once per module where the
    module uses `shared_seed`)."""
    if "shared_seed" not in request.fixturenames:
        call_command("load_seed", verbosity=0)
    from disclosures.models import DisclosureRecord

    return DisclosureRecord.objects.get(index_number=SEED_INDEX_NUMBER)


@pytest.fixture
def reader_client(client):
    """A browser-like client (crawlers are not counted as readers)."""
    client.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"
    return client


def pytest_collection_modifyitems(config, items):
    from . import standby

    if connection.vendor != "postgresql" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)
    if not standby.configured() and not standby.require_standby():
        skip = pytest.mark.skip(reason=f"needs a streaming standby ({standby.SETUP})")
        for item in items:
            if "standby" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def standby(django_db_setup, django_db_blocker):
    """The streaming standby behind DATABASE_REPLICA_URLS (tests/standby.py)."""
    from . import standby

    with django_db_blocker.unblock():
        return standby.connect()
