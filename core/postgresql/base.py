"""Django's PostgreSQL backend, except that a new connection to a primary that is away — being
restarted, failing over, starting up — is tried again for up to DATABASE_PRIMARY_WAIT_SECONDS
instead of failing at once. A restart then costs readers a wait, not an error page: a request
arriving while the primary is down waits for it, and a GET whose query was cut off by the
restart is answered again by core.db_router.DatabaseMiddleware once it is back. Replicas keep
Django's backend: one that is away is not waited for (its requests read the primary).

The health check before each request's first query (CONN_HEALTH_CHECKS) reads the socket
instead of sending `SELECT 1`: a round trip that cost a signed-in page a tenth of its CPU."""

import select
import time

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from core.db_router import log_once

# Refused or cut-off connections carry no SQLSTATE; 57P03: "the database system is starting up"
# / "shutting down"; 57P01: terminated by a fast shutdown.
AWAY = {None, "57P01", "57P03"}
# Failures at connection time that no wait mends (libpq's FATALs carry no SQLSTATE either): a
# database not created yet, a wrong user or password. Said at once, not after the wait.
PERMANENT = ("does not exist", "authentication failed", "no pg_hba.conf entry", "password")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        deadline = time.monotonic() + getattr(settings, "DATABASE_PRIMARY_WAIT_SECONDS", 10)
        while True:
            try:
                return super().get_new_connection(conn_params)
            except base.Database.OperationalError as error:
                permanent = any(words in str(error) for words in PERMANENT)
                if error.sqlstate not in AWAY or permanent or time.monotonic() >= deadline:
                    raise
                log_once(f"primary-{self.alias}", "the primary is away (%s); waiting for it", error)
                time.sleep(0.1)

    def is_usable(self):
        """An idle connection is usable while the server has sent nothing on it: a server that
        ends one (a restart's fast shutdown, a terminated backend, a crash) says so or closes the
        socket, which then reads as ready. Anything else (a transaction open, bytes waiting: an
        error notice, a parameter report after a failover) is asked with Django's `SELECT 1`, or
        taken as unusable, which costs a new connection at worst."""
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        try:
            waiting, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not waiting
