"""浏览次数 without Redis (`make run`: several gunicorn workers): the workers share their buffered
counts through one SQLite file, so they agree, a reader's own view is in the count they see,
and the count never goes back from one request to the next, whichever worker answers."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings

from core.counters import CounterBuffer, FileCounts

WORKER = """
import sys
from django.conf import settings
settings.configure(COUNTER_FILE=sys.argv[1], REDIS_URL="", VIEW_COUNT_FLUSH_SECONDS=0, COUNTER_BATCH_SECONDS=1)
from core.counters import CounterBuffer
buffer = CounterBuffer("views", apply=lambda batch: None)
shown = [buffer.incr_tracked(7)[0] for _ in range(int(sys.argv[2]))]
print(shown[0], shown[-1], buffer.pending(7))
"""


def worker(path, views):
    """A separate process, as a gunicorn worker is, counting `views` views of record 7."""
    result = subprocess.run(
        [sys.executable, "-c", WORKER, str(path), str(views)], capture_output=True, text=True, check=True, timeout=120
    )
    return tuple(map(int, result.stdout.split()))


def test_worker_processes_share_their_counts(tmp_path):
    path = tmp_path / "counters.sqlite3"
    assert worker(path, 5) == (1, 5, 5)
    assert worker(path, 3) == (6, 8, 8)  # the second worker's first view shows the first's five too
    with ThreadPoolExecutor(2) as pool:  # two at once: none lost
        list(pool.map(lambda _: worker(path, 100), range(2)))
    assert worker(path, 1)[2] == 209


def test_two_workers_alternating_show_a_count_that_only_grows(tmp_path):
    stored = {7: 63}

    def apply(batch):
        for key, count in batch.items():
            stored[key] += count

    with override_settings(COUNTER_FILE=str(tmp_path / "counters.sqlite3"), COUNTER_REDIS_URL="", REDIS_URL=""):
        one, two = CounterBuffer("views", apply), CounterBuffer("views", apply)  # two workers' buffers
        assert isinstance(one.store, FileCounts) and one.store is not two.store
        shown = []
        for turn in range(10):
            buffer = (one, two)[turn % 2]
            if turn == 5:
                assert buffer.flush() == 5  # a flush by either worker, in the middle
            pending, epoch = buffer.incr_tracked(7)
            shown.append(stored[7] + pending)
        assert shown == list(range(64, 74))
        assert one.pending_tracked(7) == two.pending_tracked(7) == (5, 1)
        one.store.clear()


def test_a_flush_applies_each_view_once_even_if_the_flusher_died(tmp_path):
    store = FileCounts(str(tmp_path / "counters.sqlite3"), "views")
    store.incr_many({1: 2, 2: 3})

    def die(batch):
        raise RuntimeError("killed mid-flush")

    with pytest.raises(RuntimeError):
        store.drain(die)
    store.incr(1)  # counted while the batch waits
    assert store.pending(1) == (3, 0)
    applied = []
    assert store.drain(applied.append) == 5  # the batch left behind first…
    assert applied == [{1: 2, 2: 3}] and store.pending(1) == (1, 1)
    assert store.drain(applied.append) == 1  # …then what came since
    assert applied[-1] == {1: 1} and store.pending(1) == (0, 2)
