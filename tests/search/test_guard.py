"""The search guard (search/guard.py): a deadline per search on the real database, and a limit
on searches running at once, kept in Redis or, without it, in lock files; past either, the
reader gets a page saying what to do, never a 5xx."""

import threading
import time
import uuid

import psycopg
import pytest
import redis
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from core.outages import forget_outages
from search import guard
from tests.disclosures.factories import published

URL = reverse("search:results")
BUSY = "当前检索的人较多"
SLOW = "结果较多，请增加检索词或选择分类"


def redis_cache(location="redis://127.0.0.1:6379/0"):
    prefix = f"test-guard-{uuid.uuid4().hex}"
    return prefix, override_settings(
        CACHES={
            "default": {
                "BACKEND": "core.redis_cache.RedisCache",
                "LOCATION": location,
                "KEY_PREFIX": prefix,
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        },
        OUTAGE_RETRY_SECONDS=60,
    )


@pytest.fixture
def redis_slots():
    prefix, settings = redis_cache()
    with settings:
        yield prefix
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def redis_down():
    # Nothing listens on port 1: every Redis call fails at once (core.outages then skips it).
    forget_outages()
    _, settings = redis_cache("redis://127.0.0.1:1/0")
    with settings:
        yield
    forget_outages()


def assert_refused(response, status, text):
    assert response.status_code == status
    page = response.content.decode()
    assert text in page
    assert 'role="status"' in page
    assert 'name="q"' in page  # the form is there to narrow the query
    assert "no-store" in response["Cache-Control"]  # neither the page cache nor a proxy keeps it


# --- the concurrency limit -----------------------------------------------------------------


@pytest.mark.parametrize("slots", ["files", "redis", "files while redis is down"])
@pytest.mark.django_db
def test_searches_past_the_limit_get_a_busy_page_until_a_slot_frees(client, request, slots):
    if slots == "redis":
        request.getfixturevalue("redis_slots")
    elif slots == "files while redis is down":
        request.getfixturevalue("redis_down")
    published(title="社区治理工作通知")
    with override_settings(SEARCH_CONCURRENCY=2, SEARCH_SLOT_WAIT_SECONDS=0.1):
        with guard.search_slot(), guard.search_slot():  # two searches running elsewhere
            started = time.monotonic()
            response = client.get(URL, {"q": "社区治理"})
            assert time.monotonic() - started < 5  # waited its 0.1 s, not for the others to end
            assert_refused(response, 429, BUSY)
            assert response["Retry-After"]
        response = client.get(URL, {"q": "社区治理"})
        assert response.status_code == 200 and response.context["hits"]


@pytest.mark.django_db
def test_redis_slots_are_shared_in_redis(redis_slots):
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = f"{redis_slots}:1:search:slots"
    with override_settings(SEARCH_CONCURRENCY=3):
        with guard.search_slot(), guard.search_slot():
            assert client.zcard(key) == 2  # every worker of every node sees them
        assert client.zcard(key) == 0


@pytest.mark.parametrize("slots", ["files", "redis"])
@pytest.mark.django_db
def test_no_more_than_the_limit_run_at_once(request, slots):
    """Real concurrency: eight threads want a slot, three may hold one at a time, and all get
    their turn when each holds it briefly."""
    if slots == "redis":
        request.getfixturevalue("redis_slots")
    running, most, lock, done, refused = [0], [0], threading.Lock(), [], []

    def search():
        try:
            with guard.search_slot():
                with lock:
                    running[0] += 1
                    most[0] = max(most[0], running[0])
                time.sleep(0.05)
                with lock:
                    running[0] -= 1
            done.append(1)
        except guard.SearchRefused:
            refused.append(1)

    with override_settings(SEARCH_CONCURRENCY=3, SEARCH_SLOT_WAIT_SECONDS=10):
        threads = [threading.Thread(target=search) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert most[0] == 3
    assert len(done) == 8 and not refused


@pytest.mark.django_db
def test_no_limit_when_concurrency_is_zero():
    with override_settings(SEARCH_CONCURRENCY=0, SEARCH_SLOT_WAIT_SECONDS=0):
        with guard.search_slot(), guard.search_slot(), guard.search_slot():
            pass


# --- the deadline --------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgresql_statement_timeout_stops_a_slow_statement():
    started = time.monotonic()
    with pytest.raises(guard.SearchRefused) as refused:
        with guard.deadline("default", 0.2):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(5)")
    assert refused.value.reason == "slow"
    assert time.monotonic() - started < 3
    with connection.cursor() as cursor:  # the connection goes on, with its own setting back
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    with guard.deadline("default", 5), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.01)")
    with connection.cursor() as cursor:  # set for the search's transaction only
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_deadline_passed_inside_an_index_walk_is_still_slow_not_a_500():
    """The walk newest-first (core.planner) put its settings back in a `finally`: after the
    statement timeout that statement hit the aborted transaction, and the reader got a 500."""
    from core.planner import index_walk

    with pytest.raises(guard.SearchRefused) as refused:
        with guard.deadline("default", 0.2), index_walk("default"), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
    assert refused.value.reason == "slow"
    with connection.cursor() as cursor:  # the walk's settings went with the rolled-back savepoint
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_search_stuck_past_the_deadline_answers_with_a_helpful_page(client, settings):
    """A search that cannot finish (here: another session holds the table) is stopped by the
    database after SEARCH_TIMEOUT_SECONDS; the reader is asked to narrow it."""
    published(title="社区治理工作通知")
    settings.SEARCH_TIMEOUT_SECONDS = 0.3
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")})
    try:
        other.execute("LOCK TABLE search_searchdocument IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = client.get(URL, {"q": "社区治理"})
        assert time.monotonic() - started < 5
        assert_refused(response, 200, SLOW)
    finally:
        other.rollback()
        other.close()
    response = client.get(URL, {"q": "社区治理"})
    assert response.status_code == 200 and response.context["hits"]


@pytest.mark.django_db
def test_sqlite_progress_handler_stops_a_slow_statement():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite deadline")
    started = time.monotonic()
    with pytest.raises(guard.SearchRefused):
        with guard.deadline("default", 0.2), connection.cursor() as cursor:
            # Counts to a billion: minutes without the deadline.
            cursor.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
                "SELECT count(*) FROM n"
            )
    assert time.monotonic() - started < 3
    with connection.cursor() as cursor:  # the handler is gone: long statements run again
        cursor.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT 1")


@pytest.mark.django_db
def test_sqlite_search_past_the_deadline_answers_with_a_helpful_page(client, settings, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite deadline")
    published(title="社区治理工作通知")
    settings.SEARCH_TIMEOUT_SECONDS = 0  # the deadline has passed at the first statement's first step
    monkeypatch.setattr(guard, "PROGRESS_STEPS", 1)
    assert_refused(client.get(URL, {"q": "社区治理"}), 200, SLOW)
    settings.SEARCH_TIMEOUT_SECONDS = 3
    response = client.get(URL, {"q": "社区治理"})
    assert response.status_code == 200 and response.context["hits"]
