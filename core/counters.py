"""Counters held outside the database and added to it in batches (浏览次数), so a page view
costs no database write.

With REDIS_URL set, counts are HINCRBY'd into a Redis hash shared by every app node; a flush
renames the hash (new views go to a fresh one), applies the batch in one database
transaction and only then deletes it. A flusher that dies before the delete leaves the batch
in place and the next flush applies it, so no count is lost; the one window in which a batch
could be applied twice is a crash between the database commit and the delete.

Without Redis the workers of a node share a small SQLite file (COUNTER_FILE) that works the
same way, so every worker shows the same count and a reader moving between workers never sees
it go back. Only with COUNTER_FILE unset (tests, one process) does each process keep its own
counts in memory and flush them itself (every VIEW_COUNT_FLUSH_SECONDS, and at exit).
"""

import atexit
import fcntl
import itertools
import logging
import os
import threading
import time
from collections import Counter

from django.conf import settings

from .nodefile import NodeFile
from .outages import REDIS_ERRORS, outage

try:  # redis-py is installed wherever REDIS_URL can be set
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout
except ImportError:  # pragma: no cover
    RedisConnectionError = RedisTimeout = OSError

logger = logging.getLogger(__name__)


class RedisCounts:
    """The shared store: a hash of pending counts and, while a flush runs, a frozen batch."""

    shared = True

    # One round trip each, without building a redis-py pipeline per view (costly). Both also
    # return the flush epoch (see CounterBuffer.incr_tracked).
    INCR = (
        "local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2]) "
        "return {n + (tonumber(redis.call('HGET', KEYS[2], ARGV[1])) or 0), tonumber(redis.call('GET', KEYS[3])) or 0}"
    )
    # Adds a batch and returns each key's pending total and the epoch, in one round trip.
    INCR_MANY = (
        "local out = {} "
        "for i = 1, #ARGV, 2 do "
        "local n = redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) "
        "out[#out + 1] = n + (tonumber(redis.call('HGET', KEYS[2], ARGV[i])) or 0) end "
        "out[#out + 1] = tonumber(redis.call('GET', KEYS[3])) or 0 "
        "return out"
    )
    READ = (
        "return {(tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0) + (tonumber(redis.call('HGET', KEYS[2], ARGV[1])) or 0), "
        "tonumber(redis.call('GET', KEYS[3])) or 0}"
    )

    def __init__(self, url, prefix):
        import redis

        seconds = getattr(settings, "REDIS_TIMEOUT_SECONDS", 0.5)
        self.client = redis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
        self.outage = outage(f"Redis counters {url.rsplit('@', 1)[-1]}")  # no password in logs
        self.pending_key = f"{prefix}:pending"
        self.batch_key = f"{prefix}:flushing"
        self.lock_key = f"{prefix}:lock"
        self.epoch_key = f"{prefix}:epoch"
        self._incr = self.client.register_script(self.INCR)
        self._read = self.client.register_script(self.READ)
        self._incr_many = self.client.register_script(self.INCR_MANY)
        self._call = IntegerScriptCalls(self.client)

    def incr(self, key, amount=1):
        """(pending count, flush epoch) after counting."""
        pending, epoch = self._call(self._incr, [self.pending_key, self.batch_key, self.epoch_key], [key, amount])
        return pending, epoch

    def incr_many(self, counts):
        """({key: pending count}, flush epoch) after counting a batch."""
        keys = list(counts)
        args = [value for key in keys for value in (key, counts[key])]
        *totals, epoch = self._call(self._incr_many, [self.pending_key, self.batch_key, self.epoch_key], args)
        return {key: int(total) for key, total in zip(keys, totals)}, int(epoch)

    def pending(self, key):
        """(pending count, flush epoch)."""
        pending, epoch = self._call(self._read, [self.pending_key, self.batch_key, self.epoch_key], [key])
        return pending, epoch

    def drain(self, apply):
        lock = self.client.lock(self.lock_key, timeout=300, blocking_timeout=0)
        if not lock.acquire():
            return 0  # another process is flushing
        try:
            if not self.client.exists(self.batch_key):
                try:
                    self.client.rename(self.pending_key, self.batch_key)
                except Exception as error:  # nothing pending: RENAME fails on a missing key
                    if "no such key" not in str(error).lower():
                        raise
                    return 0
            batch = {int(k): int(v) for k, v in self.client.hgetall(self.batch_key).items() if int(v)}
            if batch:
                apply(batch)
            # Together: a reader sees either the batch still pending and the old epoch, or the
            # batch gone and a new epoch (so it reads the stored counts again).
            pipe = self.client.pipeline(transaction=True)
            pipe.delete(self.batch_key)
            pipe.incr(self.epoch_key)
            pipe.execute()
            return sum(batch.values())
        finally:
            try:
                lock.release()
            except Exception:  # expired while applying a huge batch
                logger.warning("counter flush lock %s expired before release", self.lock_key)

    def new_epoch(self):
        """Every stored count must be read again (counts went straight to the database)."""
        return int(self.client.incr(self.epoch_key))

    def clear(self):
        self.client.delete(self.pending_key, self.batch_key, self.lock_key, self.epoch_key)


class IntegerScriptCalls:
    """EVALSHA of a script that returns an array of integers, on a connection of this thread's
    own (made by redis-py: address, password, database, TLS), its reply read straight off the
    socket. Every record page view makes one such call, hits of the page cache included:
    redis-py's own call (connection pool, encoders, reply parser) cost about three times the
    CPU of the exchange itself (ADR 0115). Any other reply — NOSCRIPT after Redis came back
    empty, an error — is left to redis-py's Script, which loads the script and raises as usual."""

    def __init__(self, client):
        self.client = client
        self._local = threading.local()

    def _connection(self):
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # a new thread, or a forked worker
            pool = self.client.connection_pool
            local.connection = pool.connection_class(**pool.connection_kwargs)
            local.pid = os.getpid()
        return local.connection

    def __call__(self, script, keys, args):
        parts = [b"EVALSHA", script.sha.encode(), b"%d" % len(keys), *(str(part).encode() for part in (*keys, *args))]
        command = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)
        connection = self._connection()
        reused = connection._sock is not None
        try:
            reply = self._exchange(connection, command)
        except RedisConnectionError:
            if not reused:
                raise
            # Closed while idle (Redis's `timeout`, a restart, a proxy), as redis-py's own call
            # would find it: once more on a new connection. A timeout is not retried.
            reply = self._exchange(connection, command)
        if reply is None:
            connection.disconnect()  # what else it sent is unknown: start clean
            return [int(value) for value in script(keys=keys, args=args)]
        return reply

    @staticmethod
    def _exchange(connection, command):
        # Connects when needed; a failure is redis-py's ConnectionError or TimeoutError.
        connection.send_packed_command([command], check_health=False)
        try:
            return _read_integers(connection._sock)
        except TimeoutError as error:  # the socket timeout (REDIS_TIMEOUT_SECONDS)
            connection.disconnect()
            raise RedisTimeout("Timeout reading from Redis") from error
        except OSError as error:
            connection.disconnect()
            raise RedisConnectionError(f"Error reading from Redis: {error}") from error


def _read_integers(sock):
    """The integers of an array reply (`*2\\r\\n:5\\r\\n:0\\r\\n`), or None for any other reply."""
    data = b""
    while True:
        more = sock.recv(4096)
        if not more:
            raise OSError("connection closed")
        data += more
        if data[:1] != b"*":
            if data.endswith(b"\r\n"):
                return None  # an error (or another type): whole once its line has ended
        elif b"\r\n" in data:
            lines = data.split(b"\r\n")
            count = int(lines[0][1:])
            if len(lines) > count + 1:  # every element and its line end arrived
                values = lines[1 : count + 1]
                if all(value[:1] == b":" for value in values):
                    return [int(value[1:]) for value in values]
                return None


class FileCounts(NodeFile):
    """RedisCounts' store in a SQLite file shared by the processes of one node (no Redis).
    Each call is one short transaction; a flush holds an flock so that one process at a time
    moves the pending counts aside, applies them and only then deletes them (as with Redis)."""

    shared = True
    outage = None  # a file on the node itself: no outage to serve through

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS pending (name TEXT, key INTEGER, n INTEGER NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS flushing (name TEXT, key INTEGER, n INTEGER NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS epoch (name TEXT PRIMARY KEY, n INTEGER NOT NULL);"
    )
    TOTAL = (
        "SELECT COALESCE((SELECT n FROM pending WHERE name = ?1 AND key = ?2), 0)"
        " + COALESCE((SELECT n FROM flushing WHERE name = ?1 AND key = ?2), 0)"
    )
    EPOCH = "SELECT COALESCE((SELECT n FROM epoch WHERE name = ?), 0)"

    def __init__(self, path, name):
        super().__init__(path)
        self.name = name

    def incr(self, key, amount=1):
        totals, epoch = self.incr_many({key: amount})
        return totals[key], epoch

    def incr_many(self, counts):
        def work(connection):
            totals = {}
            for key, amount in counts.items():
                connection.execute(
                    "INSERT INTO pending (name, key, n) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET n = n + excluded.n",
                    (self.name, key, amount),
                )
                totals[key] = connection.execute(self.TOTAL, (self.name, key)).fetchone()[0]
            return totals, connection.execute(self.EPOCH, (self.name,)).fetchone()[0]

        return self._transaction(work)

    def pending(self, key):
        connection = self._connection()
        connection.execute("BEGIN")  # one snapshot for both reads
        try:
            total = connection.execute(self.TOTAL, (self.name, key)).fetchone()[0]
            return total, connection.execute(self.EPOCH, (self.name,)).fetchone()[0]
        finally:
            connection.execute("COMMIT")

    def drain(self, apply):
        with open(f"{self.path}.{self.name}.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # another process is flushing

            def set_aside(connection):
                # A batch left by a flusher that died before deleting it is applied first.
                if connection.execute("SELECT 1 FROM flushing WHERE name = ? LIMIT 1", (self.name,)).fetchone() is None:
                    connection.execute("INSERT INTO flushing SELECT * FROM pending WHERE name = ?", (self.name,))
                    connection.execute("DELETE FROM pending WHERE name = ?", (self.name,))
                return dict(connection.execute("SELECT key, n FROM flushing WHERE name = ? AND n != 0", (self.name,)))

            batch = self._transaction(set_aside)
            if batch:
                apply(batch)

            def done(connection):
                # Together: a reader sees the batch still pending and the old epoch, or neither.
                connection.execute("DELETE FROM flushing WHERE name = ?", (self.name,))
                connection.execute(
                    "INSERT INTO epoch (name, n) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = n + 1", (self.name,)
                )

            self._transaction(done)
            return sum(batch.values())

    def clear(self):
        def work(connection):
            for table in ("pending", "flushing", "epoch"):
                connection.execute(f"DELETE FROM {table} WHERE name = ?", (self.name,))

        self._transaction(work)


class LocalCounts:
    """Counts in this process's memory; the same interface as RedisCounts."""

    shared = False
    outage = None

    def __init__(self):
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()
        self.counts = Counter()
        self.in_flight = Counter()
        self.epoch = 0

    def incr(self, key, amount=1):
        with self.lock:
            self.counts[key] += amount
            return self.counts[key] + self.in_flight[key], self.epoch

    def incr_many(self, counts):
        with self.lock:
            self.counts.update(counts)
            return {key: self.counts[key] + self.in_flight[key] for key in counts}, self.epoch

    def pending(self, key):
        with self.lock:
            return self.counts[key] + self.in_flight[key], self.epoch

    def drain(self, apply):
        if not self.flush_lock.acquire(blocking=False):
            return 0
        try:
            with self.lock:
                batch, self.counts = self.counts, Counter()
                self.in_flight.update(batch)
            batch = {k: v for k, v in batch.items() if v}
            applied = False
            try:
                if batch:
                    apply(batch)
                applied = True
            except Exception:
                with self.lock:  # put them back: nothing is lost on a failed flush
                    self.counts.update(batch)
                raise
            finally:
                with self.lock:
                    self.in_flight.subtract(batch)
                    self.in_flight = +self.in_flight
                    if applied:
                        self.epoch += 1
            return sum(batch.values())
        finally:
            self.flush_lock.release()

    def clear(self):
        with self.lock:
            self.counts.clear()
            self.in_flight.clear()
            self.epoch = 0


class CounterBuffer:
    """A named buffer whose store follows the settings (Redis when REDIS_URL is set)."""

    _local_stores = {}

    def __init__(self, name, apply):
        self.name = name
        self.apply = apply  # apply({key: count}) adds a batch to the database
        self._store = None
        self._store_config = None
        self._last_flush = time.monotonic()
        # Views held in this process while neither the shared store nor the database takes
        # them (see incr_tracked), and those on their way to the store.
        self._held = Counter()
        self._in_transit = Counter()
        self._held_lock = threading.Lock()
        self._held_thread = None

    @property
    def store(self):
        url = getattr(settings, "COUNTER_REDIS_URL", None) or getattr(settings, "REDIS_URL", "")
        prefix = f"{getattr(settings, 'COUNTER_KEY_PREFIX', 'govportal')}:counter:{self.name}"
        config = (url, prefix, getattr(settings, "COUNTER_FILE", None))
        if self._store is None or self._store_config != config:
            if url:
                self._store = RedisCounts(url, prefix)
            elif getattr(settings, "COUNTER_FILE", None):
                self._store = FileCounts(settings.COUNTER_FILE, self.name)
            else:
                self._store = self._local_stores.setdefault(self.name, LocalCounts())
            self._store_config = config
        return self._store

    def incr(self, key, amount=1) -> int:
        """Count; returns what is buffered for `key` (including this one) and not yet written."""
        return self.incr_tracked(key, amount)[0]

    def _hold(self, key, amount, seconds):
        """Keep a count for the next hand-over (the caller holds _held_lock)."""
        self._held[key] += amount
        if self._held_thread is None or not self._held_thread.is_alive():
            # Also hands over when no further request comes (started in the worker itself,
            # after any fork).
            self._held_thread = threading.Thread(
                target=self._hand_over_regularly, args=(seconds,), name=f"counter-{self.name}", daemon=True
            )
            self._held_thread.start()

    def _hand_over_regularly(self, seconds):
        while True:
            time.sleep(seconds)
            try:
                self.hand_over()
            except Exception as error:  # logged once per interval, not every second
                outage(f"counter {self.name} hand-over").failed(error)

    def hand_over(self) -> None:
        """Give the counts held in this process (see _hold) to the shared store."""
        with self._held_lock:
            counts, self._held = +self._held, Counter()
            self._in_transit.update(counts)  # still counted by pending() while on their way
        if not counts:
            return
        try:
            totals, _ = self._store_call(lambda store: store.incr_many(counts))
            if totals is None:  # the store is down: to the database at once
                self.apply(counts)
        except Exception:  # keep them for the next try rather than lose them
            with self._held_lock:
                self._held.update(counts)
                self._arrived(counts)
            raise
        with self._held_lock:
            self._arrived(counts)

    def _arrived(self, counts):
        """Counts no longer on their way to the shared store (the caller holds _held_lock)."""
        self._in_transit.subtract(counts)
        self._in_transit = +self._in_transit

    def incr_tracked(self, key, amount=1) -> tuple[int, int]:
        """incr, and the flush epoch: it changes whenever a flush has added counts to the
        database, so a caller that keeps the stored count knows when to read it again.

        While the shared store (Redis) is down, the view goes straight to the database (or,
        if that fails too, is held in this process until one of them takes it): no count is
        lost. The epoch is then one never seen before, so the stored count is read again and
        includes the view; what was pending in the store before the outage shows again when
        it is back."""
        result = self._store_call(lambda store: store.incr(key, amount))
        if result[0] is None:
            try:
                self.apply({key: amount})
            except Exception as error:
                outage("database (view counts)").failed(error)
                with self._held_lock:
                    self._hold(key, amount, _batch_seconds() or 1.0)
            with self._held_lock:
                result = (self._held[key] + self._in_transit[key], result[1])
        self._maybe_flush()
        return result

    def pending_tracked(self, key) -> tuple[int, int]:
        """pending, and the flush epoch (see incr_tracked)."""
        with self._held_lock:
            held = self._held[key] + self._in_transit[key]
        pending, epoch = self._store_call(lambda store: store.pending(key))
        return (pending or 0) + held, epoch

    def _store_call(self, call):
        """call(store), or (None, an epoch never used) while the store is down."""
        store = self.store
        down = store.outage
        if down is None:
            return call(store)
        if down.down_since is None or down.allows():
            try:
                result = call(store)
            except REDIS_ERRORS as error:
                down.failed(error)
            else:
                if down.down_since is not None:
                    # The answer's epoch is from before the outage: a new one, or, while the
                    # store still refuses writes, one never used (the stored count is read again).
                    epoch = self._after_outage(store)
                    result = (result[0], next(_outage_epochs) if epoch is None else epoch)
                return result
        return None, next(_outage_epochs)

    def _after_outage(self, store):
        """Views went to the database meanwhile: every stored count must be read again (a new
        epoch, which is returned). The store is back once it takes that write: a read answered
        (a crawler's view) does not tell, since a Redis that is full, cannot save or is a
        replica still runs a script that only reads; None while it refuses."""
        try:
            epoch = store.new_epoch()
        except REDIS_ERRORS as error:
            store.outage.failed(error)
            return None
        if store.outage.recovered():
            try:
                self.hand_over()
            except Exception as error:
                outage("database (view counts)").failed(error)
        return epoch

    def pending(self, key) -> int:
        return self.pending_tracked(key)[0]

    def flush(self) -> int:
        """Write every buffered count to the database; returns how many were written."""
        self._last_flush = time.monotonic()
        self.hand_over()
        return self.store.drain(self.apply)

    def _maybe_flush(self):
        interval = getattr(settings, "VIEW_COUNT_FLUSH_SECONDS", 30)
        if interval and time.monotonic() - self._last_flush >= interval:
            down = self.store.outage
            if down is not None and down.down_since is not None:
                self._last_flush = time.monotonic()
                return  # nothing to flush from a store that is down (tried by the next view)
            try:
                self.flush()
            except REDIS_ERRORS as error:
                self.store.outage.failed(error)
            except Exception:  # the counts stay buffered; the next flush retries
                logger.exception("flushing counter %s failed", self.name)

    def clear(self):
        """Forget buffered counts (tests)."""
        with self._held_lock:
            self._held.clear()
            self._in_transit.clear()
        self.store.clear()


# Negative, so never a flush epoch of a store: a stored count read under one is read afresh.
_outage_epochs = itertools.count(-1, -1)


def _batch_seconds():
    return getattr(settings, "COUNTER_BATCH_SECONDS", 1.0)


@atexit.register
def _flush_local_at_exit():
    # gunicorn workers exit through sys.exit on a graceful stop or max-requests restart.
    for buffer in list(_buffers):
        try:
            if buffer.store.shared:
                buffer.hand_over()
            else:
                buffer.flush()
        except Exception:
            logger.exception("flushing counter %s at exit failed", buffer.name)


_buffers = []


def counter_buffer(name, apply) -> CounterBuffer:
    buffer = CounterBuffer(name, apply)
    _buffers.append(buffer)
    return buffer
