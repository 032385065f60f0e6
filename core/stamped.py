"""Lookups kept in the shared cache until what they are read from changes.

A signed-in request reads a few small facts again and again (a staff member's permissions,
which 委员 a user is): each is a query, a large part of a kept page's worker CPU. Here each
kind of fact is kept beside a version stamp of its own; a change to what the facts are read
from writes a new stamp when its transaction commits, and a kept fact under another stamp is
read again. So a change takes effect with the next request, in every process.

Only with a cache all processes share (KEPT_LOOKUPS, on with REDIS_URL): a process-local cache
would not see another process's new stamp. A Redis outage that loses a new stamp empties the
cache when Redis answers again (core.redis_cache), so no older fact comes back.
docs/decisions/0105, 0108 and 0109."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

# A bound on how long an unused fact stays, not on how stale it may be (the stamp decides that).
KEEP_SECONDS = 24 * 3600
_MISSING = object()
_every = []  # every StampedLookups, for forget_flags


class StampedLookups:
    """Facts of one kind (`name`), each under its own key, all forgotten together by forget_all."""

    def __init__(self, name: str):
        self.version_key = f"{name}:version"
        self.key_prefix = f"{name}:"
        # Set on the connection by a change not yet committed: until the transaction ends, its
        # own reads see rows nobody else sees, and must neither use nor keep a fact.
        self.changed_attribute = f"_{name.replace(':', '_').replace('-', '_')}_changed"
        _every.append(self)

    def get(self, key: str, compute):
        """compute() — the fact from the database — unless the cache holds it under the current
        stamp. The stamp is read before computing: a change committed meanwhile writes a newer
        one, under which what is stored here is never read."""
        if not getattr(settings, "KEPT_LOOKUPS", False):
            return compute()
        connection = connections[DEFAULT_DB_ALIAS]
        if getattr(connection, self.changed_attribute, False):
            # Inside the changing transaction, or after it but before its new stamp is written
            # (another on_commit callback, say, recomputing from the change), or after a
            # rollback: the database, and nothing kept. The next request starts afresh
            # (forget_flags, on request_started).
            return compute()
        key = self.key_prefix + key
        found = cache.get_many([self.version_key, key])
        version = found.get(self.version_key)
        if version is None:
            # First use, or the stamp was evicted: a new random stamp, so no older fact is valid.
            cache.add(self.version_key, uuid.uuid4().hex, None)
            version = cache.get(self.version_key)
            if version is None:  # the cache is away: read the database
                return compute()
        else:
            entry = found.get(key, _MISSING)
            if entry is not _MISSING and entry[0] == version:
                return entry[1]
        value = compute()
        cache.set(key, (version, value), KEEP_SECONDS)
        return value

    def forget_all(self, **signal_kwargs) -> None:
        """Every kept fact stale: a new stamp once the change is committed (before, another
        request could read the old rows and keep them under the new stamp). Until then this
        transaction reads its own rows; a rollback renews nothing, and needs nothing. Takes a
        signal's arguments, so it can be connected directly (m2m_changed: post_ actions only)."""
        if not signal_kwargs.get("action", "post_").startswith("post_"):
            return
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.in_atomic_block:
            setattr(connection, self.changed_attribute, True)

        def committed():
            setattr(connection, self.changed_attribute, False)
            cache.set(self.version_key, uuid.uuid4().hex, None)

        transaction.on_commit(committed)


def forget_flags(**kwargs) -> None:
    """A new request: every transaction of the last one has committed (and its stamps are
    written) or rolled back, so no connection holds a change of its own any more. (Unless a
    transaction is still open around the request, as in a test: its changes are still its own.)"""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        return
    for lookups in _every:
        setattr(connection, lookups.changed_attribute, False)
