"""浏览次数 without a database write per view: buffered (Redis or process memory), flushed
in batches, none lost — with concurrent views and flushes running at the same time."""

import threading
import uuid

import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from core.counters import CounterBuffer, LocalCounts, RedisCounts
from disclosures.models import DisclosureRecord
from disclosures.services import record_count_view, record_view_counts, record_view_counts_flush
from tests.conftest import SEED_INDEX_NUMBER
from tests.disclosures.factories import PublishedRecordFactory

REDIS_URL = "redis://127.0.0.1:6379/0"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"


@pytest.fixture
def redis_counts():
    """Counters in the real Redis under a key prefix of this test's own."""
    prefix = f"test-{uuid.uuid4().hex}"
    with override_settings(COUNTER_REDIS_URL=REDIS_URL, COUNTER_KEY_PREFIX=prefix):
        yield prefix
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def hammer(incr, flush, *, threads=8, each=250, finish=lambda: None):
    """`threads` writers count `each` views while a flusher keeps draining; returns the total."""
    barrier = threading.Barrier(threads + 1)
    done = threading.Event()
    errors = []

    def writer():
        try:
            barrier.wait()
            for _ in range(each):
                incr()
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            finish()

    def flusher():
        barrier.wait()
        while not done.is_set():
            try:
                flush()
            except Exception as error:
                errors.append(error)
        finish()

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    drain = threading.Thread(target=flusher)
    for t in [*workers, drain]:
        t.start()
    for t in workers:
        t.join()
    done.set()
    drain.join()
    assert not errors, errors
    return threads * each


def recording_buffer(name):
    """A CounterBuffer of its own whose flushes add up into the returned dict."""
    written = {}
    lock = threading.Lock()

    def apply(batch):
        with lock:
            for key, count in batch.items():
                written[key] = written.get(key, 0) + count

    return CounterBuffer(f"{name}-{uuid.uuid4().hex}", apply), written


@pytest.mark.parametrize("store", ["local", "redis"])
def test_concurrent_counts_and_flushes_lose_nothing(store, redis_counts):
    buffer, written = recording_buffer("hammer")
    if store == "local":
        with override_settings(COUNTER_REDIS_URL="", REDIS_URL=""):
            assert isinstance(buffer.store, LocalCounts)
            total = hammer(lambda: buffer.incr(7), buffer.flush)
            buffer.flush()
    else:
        assert isinstance(buffer.store, RedisCounts)
        total = hammer(lambda: buffer.incr(7), buffer.flush)
        buffer.flush()
    assert written == {7: total}
    assert buffer.pending(7) == 0


def test_a_flush_that_fails_loses_nothing(redis_counts):
    batches = []

    def failing(batch):
        raise RuntimeError("database went away")

    buffer = CounterBuffer("crash", failing)
    for _ in range(5):
        buffer.incr(1)
    with pytest.raises(RuntimeError):
        buffer.flush()  # the batch was frozen, then the apply failed
    buffer.incr(1)  # new views keep coming in meanwhile
    assert buffer.pending(1) == 6  # the page still shows them all
    buffer.apply = batches.append
    assert buffer.flush() == 5  # first the frozen batch…
    assert buffer.flush() == 1  # …then what came after
    assert batches == [{1: 5}, {1: 1}]


def test_local_flush_that_fails_puts_the_counts_back():
    buffer = CounterBuffer(f"local-crash-{uuid.uuid4().hex}", lambda batch: 1 / 0)
    with override_settings(COUNTER_REDIS_URL="", REDIS_URL=""):
        buffer.incr(3, 4)
        with pytest.raises(ZeroDivisionError):
            buffer.flush()
        assert buffer.pending(3) == 4
        seen = []
        buffer.apply = seen.append
        assert buffer.flush() == 4 and seen == [{3: 4}]


@pytest.mark.django_db
def test_views_are_buffered_then_written_by_the_management_command(reader_client, seed):
    url = f"/disclosures/{SEED_INDEX_NUMBER}/"
    for expected in (64, 65, 66):
        reader_client.cookies["reader"] = f"font_step={expected - 64}"  # three variants: three renders
        assert f"浏览次数:{expected}" in reader_client.get(url).content.decode()
    assert DisclosureRecord.objects.get(pk=seed.pk).view_count == 63  # no write per view
    call_command("flush_view_counts", verbosity=0)
    assert DisclosureRecord.objects.get(pk=seed.pk).view_count == 66
    assert record_view_counts.pending(seed.pk) == 0


@pytest.mark.django_db
def test_page_shows_stored_plus_buffered_count(reader_client, seed, redis_counts):
    for _ in range(5):
        record_count_view(record_id=seed.pk)
    html = reader_client.get(f"/disclosures/{SEED_INDEX_NUMBER}/").content.decode()
    assert "浏览次数:69" in html  # 63 stored + 5 buffered + this view
    crawler = Client(HTTP_USER_AGENT="Baiduspider", HTTP_COOKIE="bench=1")  # bypasses the page cache
    assert "浏览次数:69" in crawler.get(f"/disclosures/{SEED_INDEX_NUMBER}/").content.decode()


@pytest.mark.django_db
def test_periodic_flush_from_the_request_path(reader_client, seed):
    with override_settings(VIEW_COUNT_FLUSH_SECONDS=1):
        record_view_counts._last_flush -= 5  # the interval has passed
        reader_client.get(f"/disclosures/{SEED_INDEX_NUMBER}/")
    assert DisclosureRecord.objects.get(pk=seed.pk).view_count == 64


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("store", ["local", "redis"])
def test_concurrent_page_views_and_flushes_on_postgresql(store, redis_counts):
    """Real requests in 8 threads while another thread flushes into PostgreSQL."""
    record = PublishedRecordFactory()
    url = record.get_absolute_url()
    settings = {"COUNTER_REDIS_URL": "", "REDIS_URL": ""} if store == "local" else {}
    with override_settings(**settings):
        assert record_view_counts.store.shared is (store == "redis")

        def view():
            # A cookie the page cache does not know: every request is rendered by the view.
            client = getattr(threading.current_thread(), "client", None)
            if client is None:
                client = threading.current_thread().client = Client(HTTP_USER_AGENT=BROWSER, HTTP_COOKIE="bench=1")
            assert client.get(url).status_code == 200

        total = hammer(view, record_view_counts_flush, threads=8, each=25, finish=lambda: connection.close())
        record_view_counts_flush()
    assert DisclosureRecord.objects.get(pk=record.pk).view_count == total
    assert record_view_counts.pending(record.pk) == 0


@pytest.mark.parametrize("store", ["local", "redis"])
def test_the_flush_epoch_moves_with_each_flush_that_wrote(store, redis_counts):
    """A page keeps the stored count for an epoch: the epoch must change exactly when a flush
    has put counts into the database (and the buffered ones are gone with it)."""
    buffer, written = recording_buffer("epoch")
    settings = {"COUNTER_REDIS_URL": "", "REDIS_URL": ""} if store == "local" else {}
    with override_settings(**settings):
        assert buffer.incr_tracked(4) == (1, 0)
        assert buffer.incr_tracked(4) == (2, 0) and buffer.pending_tracked(4) == (2, 0)
        assert buffer.flush() == 2 and written == {4: 2}
        assert buffer.pending_tracked(4) == (0, 1)  # buffered views gone, epoch moved, together
        assert buffer.incr_tracked(4) == (1, 1)
        buffer.apply = lambda batch: 1 / 0
        with pytest.raises(ZeroDivisionError):
            buffer.flush()
        assert buffer.pending_tracked(4) == (1, 1)  # nothing written: same epoch, count kept
