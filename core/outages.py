"""What this process knows about a service it can live without (Redis): up, or down since a
failure. While a service is down nobody waits on it: callers skip it and use their fallback
until OUTAGE_RETRY_SECONDS have passed, then one call tries it again. The outage is logged
when it starts, at most once per OUTAGE_LOG_SECONDS while it lasts (with the number of
failures), and when it ends — never once per request."""

import logging
import threading
import time

from django.conf import settings
from django.dispatch import Signal

logger = logging.getLogger("govportal.outages")

try:  # redis-py is installed wherever REDIS_URL can be set
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import ResponseError as _RedisResponseError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    # Unreachable or silent, and also answering but refusing the command: full under the
    # default maxmemory-policy (OOM), unable to write its snapshot or append-only file because
    # its disk is full (MISCONF), a replica after a failover (READONLY). The site serves
    # without it in each case; the log line names the error.
    REDIS_ERRORS = (_RedisConnectionError, _RedisTimeoutError, _RedisResponseError)
except ImportError:  # pragma: no cover
    REDIS_ERRORS = ()


# Sent with `name` when a service answers again (what a process kept meanwhile may be stale).
service_recovered = Signal()


class Outage:
    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.down_since = None  # time.monotonic() of the first failure, or None when up
        self.tried_at = 0.0  # the last try (time.monotonic())
        self.failures = 0  # since the last log line
        self.logged_at = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def allows(self) -> bool:
        """May a caller try the service now? (Always while up; once per retry interval while
        down.)"""
        if self.down_since is None:
            return True
        with self.lock:
            now = time.monotonic()
            if now - self.tried_at < _setting("OUTAGE_RETRY_SECONDS", 5):
                return False
            self.tried_at = now  # this caller tries; the others go on without the service
            return True

    def failed(self, error) -> None:
        with self.lock:
            now = time.monotonic()
            started = self.down_since is None
            if started:
                self.down_since = now
            self.tried_at = now
            self.failures += 1
            if started or self.logged_at is None or now - self.logged_at >= _setting("OUTAGE_LOG_SECONDS", 60):
                logger.error(
                    "%s unavailable (%s: %s); %d failure(s) since %s; served without it, retrying every %s s",
                    self.name,
                    type(error).__name__,
                    error,
                    self.failures,
                    "now" if started else f"{now - self.down_since:.0f} s ago",
                    _setting("OUTAGE_RETRY_SECONDS", 5),
                )
                self.logged_at, self.failures = now, 0

    def recovered(self) -> bool:
        """Note a success; True if the service was down until now."""
        if self.down_since is None:
            return False
        with self.lock:
            if self.down_since is None:
                return False
            logger.warning("%s available again after %.0f s", self.name, time.monotonic() - self.down_since)
            self.down_since, self.logged_at, self.failures = None, None, 0
        service_recovered.send(sender=Outage, name=self.name)
        return True


_outages = {}
_outages_lock = threading.Lock()


def outage(name) -> Outage:
    """The one Outage of this process for `name`."""
    with _outages_lock:
        found = _outages.get(name)
        if found is None:
            found = _outages[name] = Outage(name)
        return found


def forget_outages() -> None:
    """Every service up again (tests)."""
    with _outages_lock:
        _outages.clear()


def _setting(name, default):
    return getattr(settings, name, default)
