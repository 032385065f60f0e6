"""Read replicas (DATABASE_REPLICA_URLS): anonymous GET/HEAD requests read from one replica,
chosen per request; everything else — writes, signed-in users (staff, members), POSTs,
management commands — uses the primary, so nobody who just changed something reads an
older copy of it. See docs/deployment.md.

A replica is only used while it can give what the primary would:
- **Behind the last change** (lag, or a delay on purpose): every save or delete, once
  committed, moves a *fence* to the primary's WAL position; a replica serves a request only
  once it has replayed past the fence. So no anonymous reader is served a record after its
  withdrawal returned, however far the replica lags. The fence is shared through the cache;
  other workers and nodes learn it within PAGE_CACHE_LOCAL_SECONDS, as they learn of the
  change itself (the page cache's generation). A replica is asked how far it has replayed
  only when the fence has moved past what this process last saw of it.
- **Away** (stopped, unreachable): its requests read the primary, and it is left alone for
  DATABASE_REPLICA_RETRY_SECONDS, then tried again. Logged once per interval.
- **Gone while a request read it**: a GET/HEAD answered with a 500 because the replica's
  connection broke is answered again, once, from the primary."""

import contextvars
import logging
import random
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http.cookie import parse_cookie

logger = logging.getLogger(__name__)

_read_alias = contextvars.ContextVar("read_alias", default=None)

FENCE_KEY = "db:replica-fence"
# Where the primary's WAL ends, in bytes (the distance from 0/0): every record committed so far
# ends there or before, even with synchronous_commit off. Right after a page (or segment)
# boundary the insert position counts the next page's header, which no standby replays
# past: that header is not part of the fence.
PRIMARY_POSITION_SQL = """
SELECT position - CASE WHEN position % page = 24 OR position % segment = 40 THEN position % page ELSE 0 END
FROM (SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn AS position,
             current_setting('wal_block_size')::numeric AS page,
             pg_size_bytes(current_setting('wal_segment_size'))::numeric AS segment) AS wal
"""
REPLAYED_SQL = "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn"
NOT_A_STANDBY = float("inf")  # pg_last_wal_replay_lsn() is NULL on a server not in recovery

# This process's knowledge: the fence it last read (and the highest it moved itself), how far
# each replica was last seen to have replayed, until when a replica found away is left alone,
# and when each fault was last logged.
_fence = {"shared": 0, "own": 0, "read_at": float("-inf")}
_replayed: dict[str, float] = {}
_away_until: dict[str, float] = {}
_logged_at: dict[str, float] = {}


def replica_aliases() -> list[str]:
    # Asked on every request and every save: read through the settings proxy once, again only
    # after a setting changes (tests).
    if _replicas["aliases"] is None:
        _replicas["aliases"] = list(getattr(settings, "DATABASE_REPLICAS", []))
    return _replicas["aliases"]


_replicas = {"aliases": None}
setting_changed.connect(lambda **kwargs: _replicas.update(aliases=None), weak=False)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return _read_alias.get() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the primary's rows: an object read from either may refer to the other.
        aliases = {"default", *replica_aliases()}
        return obj1._state.db in aliases and obj2._state.db in aliases

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas get their schema by replication, never by `migrate`.
        return db == "default"


def request_may_use_replica(environ) -> bool:
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    raw = environ.get("HTTP_COOKIE")
    return not (raw and settings.SESSION_COOKIE_NAME in parse_cookie(raw))


# --- the fence: how far a replica must have replayed -----------------------------------------


def log_once(key, message, *args, seconds=None):
    """Log a fault once per interval per process, not once per request."""
    seconds = seconds if seconds is not None else getattr(settings, "DATABASE_REPLICA_RETRY_SECONDS", 5)
    now = time.monotonic()
    if now - _logged_at.get(key, float("-inf")) >= max(seconds, 1):
        _logged_at[key] = now
        logger.warning(message, *args)


def _primary_position() -> int:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(PRIMARY_POSITION_SQL)
        return int(cursor.fetchone()[0])


def move_fence() -> None:
    """After a commit on the primary: replicas must replay at least this far before they
    serve another request."""
    try:
        position = _primary_position()
    except DatabaseError as error:
        # The commit is done; the primary went away just after it. Until this process can
        # read the fence again, it reads the primary (see _current_fence).
        _fence["read_at"] = float("-inf")
        log_once("fence", "replicas: could not read the primary's WAL position after a commit: %s", error)
        return
    _fence["own"] = max(_fence["own"], position)
    _share_fence(position)


def _share_fence(position):
    try:
        backend = caches["default"]
        if isinstance(backend, RedisCache):
            if not getattr(backend, "available", True):
                # Redis is away: other processes read the cache as empty, and then take the
                # primary's position as the fence (_current_fence).
                return
            # Only ever raised, even when two nodes commit at once (a plain SET could put back
            # the lower of two positions).
            backend._cache.get_client(FENCE_KEY, write=True).eval(
                "if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then "
                "redis.call('SET', KEYS[1], ARGV[1]) end",
                1,
                backend.make_and_validate_key(FENCE_KEY),
                position,
            )
        elif position > (cache.get(FENCE_KEY) or 0):
            cache.set(FENCE_KEY, position, None)
    except Exception as error:  # noqa: BLE001 — a cache outage must not fail a committed write
        log_once("fence-share", "replicas: could not share the fence through the cache: %s", error)


def _current_fence():
    """The fence as this process knows it (None: unknown, read the primary)."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return 0  # no WAL to follow (tests route between SQLite files)
    now = time.monotonic()
    if now - _fence["read_at"] >= getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 0):
        try:
            shared = cache.get(FENCE_KEY)
            if shared is None:
                # Never set, or the cache lost it (restarted, evicted): where the primary is
                # now is after every change made so far.
                shared = _primary_position()
                cache.add(FENCE_KEY, shared, None)
        except Exception as error:  # noqa: BLE001 — cache or primary away: use the primary
            log_once("fence-read", "replicas: the fence is unknown (%s); reading the primary", error)
            return None
        _fence.update(shared=int(shared), read_at=now)
    return max(_fence["shared"], _fence["own"])


# Rows no anonymous request reads (a session is read only for a request with its cookie, and
# such requests read the primary): saving them moves no fence.
_UNREAD_BY_ANONYMOUS = {"sessions.session"}


def _content_changed(sender, using=None, **kwargs):
    if not replica_aliases() or (using or DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
        return
    if sender._meta.label_lower in _UNREAD_BY_ANONYMOUS:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        move_fence()
    elif not any(func is move_fence for _, func, _ in connection.run_on_commit):
        transaction.on_commit(move_fence, using=DEFAULT_DB_ALIAS)  # once per transaction


def connect_signals():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_content_changed, dispatch_uid=f"replica-fence-{id(signal)}")


# --- choosing a replica --------------------------------------------------------------------


def _mark_away(alias, error):
    _away_until[alias] = time.monotonic() + getattr(settings, "DATABASE_REPLICA_RETRY_SECONDS", 5)
    _replayed.pop(alias, None)
    try:
        connections[alias].close()
    except DatabaseError:
        pass
    log_once(f"away-{alias}", "replica %s is away (%s); reading the primary", alias, error)


def _ready(alias, fence) -> bool:
    """Whether `alias` answers and has replayed past the fence (marks it away if not)."""
    connection = connections[alias]
    try:
        # Django checks a kept connection before a request's first query (conn_health_checks);
        # done here, so that a replica that went away is noticed before the view runs.
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        connection.health_check_done = True
        connection.ensure_connection()
        if _replayed.get(alias, -1) < fence:
            position = None
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(REPLAYED_SQL)
                    position = cursor.fetchone()[0]
            _replayed[alias] = NOT_A_STANDBY if position is None else int(position)
    except DatabaseError as error:
        _mark_away(alias, error)
        return False
    return _replayed[alias] >= fence


def choose_replica():
    """A replica for this request, or None (read the primary)."""
    now = time.monotonic()
    candidates = [alias for alias in replica_aliases() if _away_until.get(alias, 0) <= now]
    if not candidates:
        return None
    fence = _current_fence()
    if fence is None:
        return None
    random.shuffle(candidates)
    return next((alias for alias in candidates if _ready(alias, fence)), None)


def _broke_during(alias) -> bool:
    connection = connections[alias]
    return connection.connection is None or (connection.errors_occurred and not connection.is_usable())


class DatabaseMiddleware:
    """Sends this request's reads to a replica when it is an anonymous GET/HEAD, and answers a
    GET/HEAD again, once, when the database it read went away under it (a replica stopped, the
    primary restarted): it wrote nothing, so the primary answers it instead — once back, as
    core.postgresql waits for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = None
        if replica_aliases() and request_may_use_replica(request.META):
            alias = choose_replica()
        if alias is None:
            response = self.get_response(request)
        else:
            token = _read_alias.set(alias)
            try:
                response = self.get_response(request)
            finally:
                _read_alias.reset(token)
            if response.streaming:
                # A streamed export reads while it is sent, after this method has returned.
                response.streaming_content = _reading_from(alias, response.streaming_content)
        if response.status_code >= 500 and not response.streaming and request.method in ("GET", "HEAD"):
            used = alias or DEFAULT_DB_ALIAS
            if _broke_during(used):
                if alias is None:
                    log_once("primary-broke", "the primary's connection broke during a request; answering it again")
                    connections[DEFAULT_DB_ALIAS].close()
                else:
                    _mark_away(alias, "its connection broke during a request")
                response = self.get_response(request)
        return response


def _reading_from(alias, chunks):
    chunks = iter(chunks)
    while True:
        token = _read_alias.set(alias)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _read_alias.reset(token)
        yield chunk


def read_alias() -> str:
    """Where reads go right now (for tests and diagnostics)."""
    return _read_alias.get() or "default"


def reset_local():
    """Forget what this process knows about the replicas and the fence (tests)."""
    _fence.update(shared=0, own=0, read_at=float("-inf"))
    _replayed.clear()
    _away_until.clear()
    _logged_at.clear()
