"""The streaming standby the replica tests run against (`make standby`, .ci/run).

Tests marked `standby` read through DATABASE_REPLICA_URLS from a real hot standby of the test
PostgreSQL (pg_basebackup -R, bench/standby.py) and stop, start and delay it. Without one they
skip on a developer machine; GOVPORTAL_REQUIRE_STANDBY=1 (set by .ci/run for its standby step)
turns the skip into a failure, as GOVPORTAL_REQUIRE_BROWSER does for the browser tests."""

import os

import psycopg
from django.conf import settings
from django.db import connections
from psycopg.conninfo import make_conninfo

from tests.required import required, skip_or_fail

SETUP = "`make standby`, then DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:5433/<database of DATABASE_URL>"


def require_standby():
    return required("GOVPORTAL_REQUIRE_STANDBY")


def missing(what):
    """Skip locally; fail where the standby tests are required."""
    skip_or_fail(what, variable="GOVPORTAL_REQUIRE_STANDBY", checks="the standby tests", how=SETUP)


def configured():
    return bool(os.environ.get("DATABASE_REPLICA_URLS"))


def connect():
    """The standby behind the first replica alias, checked: a server in recovery holding the
    test database, whose data directory this process can control."""
    from bench.standby import PostgresError, Standby

    if not settings.DATABASE_REPLICAS:
        missing("No replica configured (DATABASE_REPLICA_URLS is empty)")
    primary, replica = (connections[alias].settings_dict for alias in ("default", settings.DATABASE_REPLICAS[0]))
    if connections["default"].vendor != "postgresql" or replica["ENGINE"] != "django.db.backends.postgresql":
        missing("The standby tests need PostgreSQL for DATABASE_URL and DATABASE_REPLICA_URLS")
    dsn = make_conninfo(
        host=replica["HOST"], port=replica["PORT"] or 5432, user=replica["USER"], dbname=replica["NAME"]
    )
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            in_recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    except psycopg.OperationalError as error:
        missing(f"The replica {replica['HOST']}:{replica['PORT']} has no test database {replica['NAME']}: {error}")
    if not in_recovery:
        missing(f"{replica['HOST']}:{replica['PORT']} is not a standby (pg_is_in_recovery() is false)")
    primary_dsn = make_conninfo(
        host=primary["HOST"], port=primary["PORT"] or 5432, user=primary["USER"], dbname="postgres"
    )
    try:
        standby = Standby(port=replica["PORT"], primary_dsn=primary_dsn)
        running = standby.running()
    except (PostgresError, OSError) as error:
        running, standby = False, error
    if not running:
        missing(f"The standby's data directory cannot be controlled from here ({standby})")
    return standby
