"""On SQLite (`make run`'s database) two transactions that each read and then write, at the
same moment (a double-clicked 满意度 form), must queue, not fail with "database is locked".

They fail when each begins without a lock (SQLite's default, DEFERRED): both read, then the
second to write finds the first holding the lock and, being inside a read it cannot upgrade,
gets "database is locked" at once, whatever the busy timeout. With settings.SQLITE_OPTIONS a
transaction takes the write lock when it begins (IMMEDIATE), so the second waits there, for up to
the busy timeout, before reading anything. The test shows that on two connections in one thread
(no threads and no timed waits: it runs under a pinned clock too), the second with a short
timeout so that its wait ends in the error instead of in the first one's commit."""

from django.conf import settings
from django.db.utils import ConnectionHandler, OperationalError


def test_a_transaction_takes_the_write_lock_when_it_begins(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():  # a database of the test's own, not the test database
        _begin_twice(tmp_path)


def _begin_twice(tmp_path):
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "writers.sqlite3")}
    handler = ConnectionHandler(
        {
            "default": {**database, "OPTIONS": dict(settings.SQLITE_OPTIONS)},
            "second": {**database, "OPTIONS": {**settings.SQLITE_OPTIONS, "timeout": 0.05}},
        }
    )
    first, second = handler["default"], handler["second"]
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    try:
        first._start_transaction_under_autocommit()  # what atomic() does on SQLite
        with first.cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
        second.ensure_connection()
        try:
            second._start_transaction_under_autocommit()
        except OperationalError as error:
            assert "locked" in str(error)  # it waited at BEGIN, before reading, and gave up
        else:
            raise AssertionError("the second transaction began while the first one was open")
        with first.cursor() as cursor:
            cursor.execute("UPDATE counter SET n = n + 1")
        first.commit()

        second._start_transaction_under_autocommit()  # the first is done: the second goes on
        with second.cursor() as cursor:
            cursor.execute("UPDATE counter SET n = n + 1")
            second.commit()
            cursor.execute("SELECT n FROM counter")
            assert cursor.fetchone() == (2,)
    finally:
        first.close()
        second.close()
