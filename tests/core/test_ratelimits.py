"""Rate limits counted by every worker together (core/ratelimits.py): in Redis, else in the
node's SQLite file, which also counts while Redis is down; never one limit per process."""

import multiprocessing
import time

import pytest
import redis
from django.test import override_settings

from core import ratelimits
from tests.search.test_guard import redis_cache, redis_down  # noqa: F401 (fixture)


def _hits_in_another_process(path, key, n, results):
    with override_settings(RATE_LIMIT_FILE=path):
        results.put([ratelimits.hit(key, 60) for _ in range(n)])


def test_workers_without_redis_count_one_window_together(tmp_path, settings):
    settings.RATE_LIMIT_FILE = str(tmp_path / "ratelimits.sqlite3")
    results = multiprocessing.get_context("fork").Queue()
    workers = [
        multiprocessing.get_context("fork").Process(
            target=_hits_in_another_process, args=(settings.RATE_LIMIT_FILE, "apply:10.0.0.1", 5, results)
        )
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    counted = sorted(n for _ in workers for n in results.get(timeout=30))
    for worker in workers:
        worker.join(timeout=30)
    assert counted == list(range(1, 16))  # each use counted once, by all three together
    assert ratelimits.uses("apply:10.0.0.1") == 15
    assert ratelimits.hit("apply:10.0.0.1", 60) == 16
    assert ratelimits.uses("apply:10.0.0.2") == 0
    assert (tmp_path / "ratelimits.sqlite3").stat().st_mode & 0o077 == 0  # it holds client addresses


def test_a_window_in_the_file_ends_and_the_next_starts_with_its_first_use(tmp_path, settings, monkeypatch):
    settings.RATE_LIMIT_FILE = str(tmp_path / "ratelimits.sqlite3")
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimits.time, "time", lambda: now[0])
    assert [ratelimits.hit("k", 600) for _ in range(3)] == [1, 2, 3]
    now[0] += 599
    assert ratelimits.uses("k") == 3
    now[0] += 1
    assert ratelimits.uses("k") == 0
    assert ratelimits.hit("k", 600) == 1


def test_ended_windows_are_deleted_from_the_file(tmp_path, settings, monkeypatch):
    settings.RATE_LIMIT_FILE = str(tmp_path / "ratelimits.sqlite3")
    monkeypatch.setattr(ratelimits.FileWindows, "PRUNE_EVERY", 3)
    windows = ratelimits._file()
    ratelimits.hit("old", 1)
    time.sleep(1.1)
    ratelimits.hit("new", 60)
    ratelimits.hit("new", 60)
    keys = [key for (key,) in windows._connection().execute("SELECT key FROM windows")]
    assert keys == ["new"]


def test_with_redis_the_count_is_in_redis(settings):
    prefix, redis_settings = redis_cache()
    settings.RATE_LIMIT_FILE = None
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        with redis_settings:
            assert [ratelimits.hit("lookup:10.0.0.1", 600) for _ in range(3)] == [1, 2, 3]
            assert ratelimits.uses("lookup:10.0.0.1") == 3
        (key,) = client.scan_iter(match=f"{prefix}:*")
        assert int(client.get(key)) == 3 and 590 < client.ttl(key) <= 600
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


@pytest.mark.usefixtures("redis_down")
def test_while_redis_is_down_the_file_counts(tmp_path, settings):
    settings.RATE_LIMIT_FILE = str(tmp_path / "ratelimits.sqlite3")
    assert [ratelimits.hit("apply:10.0.0.1", 60) for _ in range(3)] == [1, 2, 3]
    assert ratelimits.uses("apply:10.0.0.1") == 3
