"""The counters' one exchange with Redis per view (core.counters.IntegerScriptCalls): read off
the socket of a connection of the thread's own, correct whatever Redis or the process does."""

import multiprocessing
import socket
import threading
import uuid

import pytest
import redis

from core.counters import RedisCounts, _read_integers

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def counts():
    prefix = f"test-{uuid.uuid4().hex}"
    store = RedisCounts(REDIS_URL, prefix)
    yield store
    store.clear()


def test_counts_after_redis_lost_its_scripts(counts):
    """Redis restarted empty answers NOSCRIPT: the view is still counted once (redis-py loads
    the script), and the next calls use the loaded script."""
    assert counts.incr(7) == (1, 0)
    redis.Redis.from_url(REDIS_URL).script_flush()
    assert counts.incr(7) == (2, 0)
    assert counts.incr(7, 3) == (5, 0)
    assert counts.pending(7) == (5, 0)
    assert counts.incr_many({7: 1, 8: 2}) == ({7: 6, 8: 2}, 0)


def test_a_reply_that_arrives_in_pieces_is_read_whole():
    reader, writer = socket.socketpair()
    with reader, writer:
        pieces = [b"*2\r", b"\n:1", b"2\r\n:", b"3", b"\r\n"]

        def send():
            for piece in pieces:
                writer.sendall(piece)

        sender = threading.Thread(target=send)
        sender.start()
        assert _read_integers(reader) == [12, 3]
        sender.join()

        writer.sendall(b"-NOSCRIPT No matching script.\r\n")
        assert _read_integers(reader) is None  # left to redis-py
        writer.sendall(b"*1\r\n$2\r\nab\r\n")
        assert _read_integers(reader) is None
        writer.close()
        with pytest.raises(OSError):
            _read_integers(reader)


def test_a_connection_closed_while_idle_is_made_again_and_the_view_counted(counts):
    """Redis closes idle connections (its `timeout`), restarts, or a proxy drops them: the next
    view is counted on a new connection, as redis-py's own call does — not an outage."""
    assert counts.incr(1) == (1, 0)
    ours = counts._call._connection()
    ours.send_command("CLIENT", "ID")
    redis.Redis.from_url(REDIS_URL).client_kill_filter(_id=ours.read_response())
    assert counts.incr(1) == (2, 0)
    assert counts.incr(1) == (3, 0)


def test_redis_away_is_a_connection_error(counts):
    away = RedisCounts(f"redis://127.0.0.1:{_free_port()}/0", "away")
    with pytest.raises(redis.ConnectionError):
        away.incr(1)
    with pytest.raises(redis.ConnectionError):  # and again: no connection was ever made
        away.incr(1)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _count(store, results):
    results.put([store.incr(1)[0] for _ in range(200)])


def test_a_forked_worker_never_shares_its_parents_connection(counts):
    """gunicorn forks workers after the app is loaded: a worker reading replies off its
    parent's socket would take the other's answers."""
    assert counts.incr(1) == (1, 0)  # the parent's connection exists before the fork
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    children = [context.Process(target=_count, args=(counts, results)) for _ in range(2)]
    for child in children:
        child.start()
    mine = [counts.incr(1)[0] for _ in range(200)]
    theirs = [results.get(timeout=30) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert counts.pending(1) == (601, 0)
    for run in [mine, *theirs]:
        assert run == sorted(run) and len(set(run)) == 200  # each its own replies, in order
    assert sorted(mine + theirs[0] + theirs[1]) == list(range(2, 602))
