"""Backups that are proven: the commands of docs/operations.md, run for real, give back a
database whose public pages and history are identical to the original's."""

import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client

from .conftest import SEED_INDEX_NUMBER, clear_caches
from .html import without_per_response

PAGES = ["/", "/disclosures/", f"/disclosures/{SEED_INDEX_NUMBER}/"]


def snapshot():
    """The public pages as a reader gets them, every history table, and every table's row count."""
    from disclosures.services import record_view_counts

    clear_caches()  # pages and fragments must come from this database, not from memory
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36")
    pages = {}
    for url in PAGES:
        response = client.get(url)
        pages[url] = (response.status_code, without_per_response(response.content.decode()))
        record_view_counts.clear()  # a view is buffered, not written: the next page starts equal
    models = [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]
    history = {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in models
        if model.__name__.startswith("Historical")
    }
    counts = {model._meta.label: model._default_manager.count() for model in models}
    return pages, history, counts


def load_site():
    call_command("load_seed", verbosity=0)
    call_command("load_demo_data", verbosity=0)
    pages, history, counts = before = snapshot()
    assert all(status == 200 for status, _ in pages.values())
    assert sum(len(rows) for rows in history.values()) > 100 and counts["disclosures.DisclosureRecord"] > 10
    return before


def pg_args(settings_dict):
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{option}={settings_dict[key]}")
    return args


def pg_run(*command, settings_dict):
    env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    subprocess.run([*command, *pg_args(settings_dict)], check=True, env=env, capture_output=True, text=True)


@contextmanager
def database_named(name):
    """The default connection on another database of the same server, for the block."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_pg_dump_restored_into_a_fresh_database_gives_the_same_pages_and_history(tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore are needed (apt-get install postgresql-client)")
    before = load_site()
    settings_dict = connection.settings_dict
    dump, fresh = tmp_path / "govportal.dump", f"{settings_dict['NAME']}_restored"
    pg_run("pg_dump", "--format=custom", f"--file={dump}", settings_dict["NAME"], settings_dict=settings_dict)
    pg_run("dropdb", "--if-exists", fresh, settings_dict=settings_dict)
    pg_run("createdb", fresh, settings_dict=settings_dict)
    try:
        pg_run(
            "pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh}", str(dump), settings_dict=settings_dict
        )
        with database_named(fresh):
            after = snapshot()
    finally:
        pg_run("dropdb", "--if-exists", fresh, settings_dict=settings_dict)
    assert after == before


@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restored_into_an_emptied_database_gives_the_same_pages_and_history(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only (the PostgreSQL test above covers pg_dump)")
    before = load_site()
    backup = tmp_path / "backup.sqlite3"
    connection.ensure_connection()
    # The online backup API, as `sqlite3 db.sqlite3 ".backup backup.sqlite3"` uses it.
    with sqlite3.connect(backup) as target:
        connection.connection.backup(target)
    call_command("flush", interactive=False, verbosity=0)
    assert Client().get(PAGES[2]).status_code == 404  # the data is gone …
    with sqlite3.connect(backup) as source:
        source.backup(connection.connection)
    assert snapshot() == before  # … and back, identical
