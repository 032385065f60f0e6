"""A small SQLite file shared by the worker processes of one node: where something must be
the same for every worker and there is no Redis (the view counters' pending counts, the rate
limits' windows). Each call is one short transaction."""

import os
import sqlite3
import threading


class NodeFile:
    SCHEMA = ""  # CREATE TABLE IF NOT EXISTS …, run once per connection

    def __init__(self, path):
        self.path = path
        self._local = threading.local()

    def _connection(self):
        # One per thread and process (a connection must not cross a fork).
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            # Readable by the site's own user only (it may hold client addresses).
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(self.SCHEMA)
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def _transaction(self, work):
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result
