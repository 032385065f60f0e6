"""On SQLite (`make run`'s database) two transactions that each read and then write, at the
same moment (a double-clicked 满意度 form), must queue, not fail with "database is locked"."""

import threading

from django.conf import settings
from django.db.utils import ConnectionHandler


def test_two_read_then_write_transactions_at_once_both_commit(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():  # a database of the test's own, not the test database
        _two_writers(tmp_path)


def _two_writers(tmp_path):
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "writers.sqlite3"),
        "OPTIONS": dict(settings.SQLITE_OPTIONS),
    }
    handler = ConnectionHandler({"default": database, "w": database})
    setup = handler["w"]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    setup.close()
    first_has_read = threading.Event()
    errors = []

    def increment(first):
        connection = handler["w"]  # each thread its own connection
        try:
            if not first:
                first_has_read.wait(5)
            connection.ensure_connection()
            connection._start_transaction_under_autocommit()  # what atomic() does on SQLite
            with connection.cursor() as cursor:
                cursor.execute("SELECT n FROM counter")
                (n,) = cursor.fetchone()
                if first:
                    first_has_read.set()
                    threading.Event().wait(0.3)  # the other transaction begins meanwhile
                cursor.execute("UPDATE counter SET n = %s", [n + 1])
            connection.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=increment, args=(first,)) for first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    check = handler["w"]
    with check.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone() == (2,)
    check.close()
