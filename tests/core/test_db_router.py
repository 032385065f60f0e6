"""Read replicas (DATABASE_REPLICA_URLS, core/db_router.py).

The end-to-end test stands up a primary and a "replica" on the same PostgreSQL server: the
replica is a copy of the primary (CREATE DATABASE … TEMPLATE), then the primary changes, as
it would ahead of a lagging replica. Anonymous page views must read the replica; writes,
signed-in users and POSTs must use the primary. docs/deployment.md shows the same by hand.
Against a real streaming standby (lag, a standby stopped and back): tests/core/test_standby.py."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings

from tests.conftest import SEED_INDEX_NUMBER
from tests.disclosures.factories import published

ROUTING = """
import json, logging
import django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from core import db_router

seen, warnings = [], []

class Warnings(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())

logging.getLogger("core.db_router").addHandler(Warnings())

def view(request):
    seen.append(db_router.read_alias())
    return HttpResponse("ok")

middleware = db_router.DatabaseMiddleware(view)

def alias(method="get", **extra):
    seen.clear()
    middleware(getattr(RequestFactory(), method)("/", **extra))
    return seen[0]

print(json.dumps({
    "anonymous": sorted({alias() for _ in range(20)}),
    "head": alias("head"),
    "post": alias("post"),
    "signed_in": alias(HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc"),
    "reader_cookie": alias(HTTP_COOKIE="reader=elder%3D1"),
    "outside_a_request": db_router.read_alias(),
    "warnings": warnings,
}))
"""


def test_anonymous_reads_go_to_a_replica_that_answers_and_never_to_one_that_does_not():
    # replica1 answers (an SQLite database); replica2 is a port with nothing behind it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DJANGO_SETTINGS_MODULE": "govportal.settings.dev",
        "DATABASE_URL": "sqlite://:memory:",
        "DATABASE_REPLICA_URLS": f"sqlite://:memory:,postgres://postgres@127.0.0.1:{closed_port}/nothing",
        "REDIS_URL": "",
    }
    out = subprocess.run(
        [sys.executable, "-c", ROUTING], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    warnings = result.pop("warnings")
    assert result == {
        "anonymous": ["replica1"],  # never replica2, which does not answer
        "head": "replica1",
        "post": "default",
        "signed_in": "default",
        "reader_cookie": "replica1",  # the reader's preferences are no session
        "outside_a_request": "default",
    }
    # Logged once for twenty requests: it is then left alone for DATABASE_REPLICA_RETRY_SECONDS.
    assert len(warnings) == 1 and warnings[0].startswith("replica replica2 is away")


def test_replica_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s; import json; print(json.dumps([s.DATABASE_REPLICAS, "
        "s.DATABASE_ROUTERS, s.DATABASES['replica2']['NAME'], s.DATABASES['replica2']['HOST'], s.MIDDLEWARE[:2], "
        "s.DATABASES['replica2']['OPTIONS']['connect_timeout'], s.DATABASES['replica2']['TEST']['MIRROR']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "govportal.settings.dev",
        "DATABASE_REPLICA_URLS": "postgres://u@10.0.0.2:5432/portal, postgres://u@10.0.0.3:5432/portal",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    replicas, routers, name, host, middleware, timeout, mirror = json.loads(out.strip().splitlines()[-1])
    assert replicas == ["replica1", "replica2"] and routers == ["core.db_router.PrimaryReplicaRouter"]
    assert (name, host) == ("portal", "10.0.0.3")
    assert middleware == ["core.pagecache.PageCacheMiddleware", "core.db_router.DatabaseMiddleware"]
    # A replica that does not answer is given up after 2 s; in tests it is not created, but
    # read under the test database's name on its own server (the standby's copy).
    assert (timeout, mirror) == (2, "default")


PROBE = f"""
import json
from django.contrib.auth import get_user_model
from django.test import Client
from disclosures.models import DisclosureRecord
from disclosures.services import record_count_view, record_view_counts_flush

url = "/disclosures/{SEED_INDEX_NUMBER}/"
# The primary moves ahead of the replica.
DisclosureRecord.objects.filter(index_number="{SEED_INDEX_NUMBER}").update(title="只在主库中的新标题")
anonymous = Client(HTTP_USER_AGENT="Mozilla/5.0")
anon_html = anonymous.get(url).content.decode()
staff = get_user_model().objects.create_superuser("router-test", "", "pw-router-test-1")
signed_in = Client(HTTP_USER_AGENT="Mozilla/5.0")
signed_in.force_login(staff)
staff_html = signed_in.get(url).content.decode()
record_view_counts_flush()
primary = DisclosureRecord.objects.using("default").get(index_number="{SEED_INDEX_NUMBER}")
replica = DisclosureRecord.objects.using("replica1").get(index_number="{SEED_INDEX_NUMBER}")
print(json.dumps({{
    "anonymous_sees_new_title": "只在主库中的新标题" in anon_html,
    "anonymous_sees_old_title": replica.title in anon_html,
    "staff_sees_new_title": "只在主库中的新标题" in staff_html,
    "primary_views": primary.view_count, "replica_views": replica.view_count,
    "staff_on_replica": get_user_model().objects.using("replica1").filter(username="router-test").exists(),
}}))
"""


def _server_url():
    base = settings.DATABASES["default"]
    return f"postgresql://{base['USER']}@{base['HOST']}:{base['PORT']}"


def _admin(url, *statements):
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.postgres_only
def test_anonymous_pages_read_the_replica_and_everything_else_the_primary():
    server = _server_url()
    suffix = uuid.uuid4().hex[:8]
    primary_db, replica_db = f"govportal_router_{suffix}_primary", f"govportal_router_{suffix}_replica"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "govportal.settings.dev",
        "DEBUG": "1",
        "DATABASE_URL": f"{server}/{primary_db}",
        "PAGE_CACHE": "0",
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "testserver",
        "VIEW_COUNT_FLUSH_SECONDS": "0",
    }
    env.pop("DATABASE_REPLICA_URLS", None)

    def manage(*args, extra=None):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env={**env, **(extra or {})},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    _admin(f"{server}/postgres", f'CREATE DATABASE "{primary_db}"')
    try:
        manage("migrate", "--noinput", "-v0")
        manage("load_seed", "-v0")
        # A replica that has caught up: a copy of the primary as it is now.
        _admin(f"{server}/postgres", f'CREATE DATABASE "{replica_db}" TEMPLATE "{primary_db}"')
        out = manage("shell", "-c", PROBE, extra={"DATABASE_REPLICA_URLS": f"{server}/{replica_db}"})
        result = json.loads(out.strip().splitlines()[-1])
    finally:
        for name in (replica_db, primary_db):
            _admin(f"{server}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert result == {
        "anonymous_sees_new_title": False,  # read from the replica…
        "anonymous_sees_old_title": True,
        "staff_sees_new_title": True,  # …the signed-in reader from the primary
        "primary_views": 63 + 2,
        "replica_views": 63,  # the view counts were written to the primary
        "staff_on_replica": False,  # the session and user too
    }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_get_whose_primary_connection_breaks_is_answered_again(client):
    """The primary restarting cuts off a request's query: the GET is answered again (after the
    connection is made anew, waiting for the primary if need be), not with an error page."""
    record = published("关于主库断线测试的通知")
    client.raise_request_exception = False
    client.defaults["HTTP_COOKIE"] = "router-test=1"  # rendered, not from the page cache
    assert client.get("/").status_code == 200
    primary = connections["default"]
    broken = []

    def break_connection(execute, sql, params, many, context):
        if not broken:
            broken.append(sql)
            with psycopg.connect(_server_url() + "/postgres", autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [primary.connection.info.backend_pid])
        return execute(sql, params, many, context)

    with primary.execute_wrapper(break_connection):
        response = client.get(record.get_absolute_url())
    assert broken and response.status_code == 200
    assert "关于主库断线测试的通知" in response.content.decode()


@pytest.mark.postgres_only
def test_a_new_connection_waits_for_a_primary_that_is_starting_up():
    """core.postgresql: a primary being restarted is waited for (DATABASE_PRIMARY_WAIT_SECONDS),
    on a PostgreSQL server of the test's own that really is down, then started."""
    from bench.standby import Postgres
    from core.postgresql.base import DatabaseWrapper

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = Postgres(f"/var/tmp/govportal-test-{uuid.uuid4().hex[:8]}", port)
    server.initdb()
    try:
        server.stop()
        primary = DatabaseWrapper({**settings.DATABASES["default"], "NAME": "postgres", "PORT": port})
        params = primary.get_connection_params()
        starting = threading.Timer(1.0, server.start)
        starting.start()
        try:
            with override_settings(DATABASE_PRIMARY_WAIT_SECONDS=60):
                # Refused, then "the database system is starting up", then connected.
                with primary.get_new_connection(params) as connected:
                    assert connected.execute("SELECT 1").fetchone() == (1,)
        finally:
            starting.join()
        server.stop()
        with override_settings(DATABASE_PRIMARY_WAIT_SECONDS=0.3), pytest.raises(psycopg.OperationalError):
            primary.get_new_connection(params)  # not for ever
    finally:
        server.destroy()


@pytest.mark.postgres_only
def test_a_database_that_does_not_exist_fails_at_once(caplog):
    """An operator's typo in DATABASE_URL (or a database not created yet) is no primary that is
    away: the error comes at once, not after DATABASE_PRIMARY_WAIT_SECONDS of "waiting for it"."""
    from core.postgresql.base import DatabaseWrapper

    missing = DatabaseWrapper({**settings.DATABASES["default"], "NAME": f"govportal_missing_{uuid.uuid4().hex[:8]}"})
    started = time.monotonic()
    with (
        override_settings(DATABASE_PRIMARY_WAIT_SECONDS=30),
        pytest.raises(psycopg.OperationalError, match="does not exist"),
    ):
        missing.get_new_connection(missing.get_connection_params())
    assert time.monotonic() - started < 10 and "the primary is away" not in caplog.text


def _backend_query(pid):
    with psycopg.connect(_server_url() + "/postgres", autocommit=True) as admin:
        return admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_health_check_reads_the_socket_and_sends_nothing_yet_sees_a_terminated_connection():
    """CONN_HEALTH_CHECKS before a request's first query: no `SELECT 1` round trip on a healthy
    connection (the server's own record of its last statement is unchanged), and a connection
    the server ended is found unusable, so the request gets a new one instead of an error."""
    wrapper = connections.create_connection("default")
    try:
        wrapper.ensure_connection()
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 'health-check-probe'")
        pid = wrapper.connection.info.backend_pid
        assert wrapper.is_usable()
        assert "health-check-probe" in _backend_query(pid)[0]  # nothing sent since

        with psycopg.connect(_server_url() + "/postgres", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while wrapper.is_usable() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not wrapper.is_usable()

        wrapper.health_check_done = False
        with wrapper.cursor() as cursor:  # the check closes it; a new connection answers
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        assert wrapper.connection.info.backend_pid != pid
    finally:
        wrapper.close()
