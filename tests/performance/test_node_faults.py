"""App nodes as production runs them (gunicorn, sharing PostgreSQL and Redis; tests/performance/
nodes.py), and what they survive: a second node sees a publish within PAGE_CACHE_LOCAL_SECONDS
and views counted on both add up; a worker killed in the middle of a publish leaves the record
as it was; workers recycled by --max-requests lose no view. The slower versions under load
are in `make faults` (bench/faults.py)."""

import os
import signal
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from audit.models import AuditEntry
from bench.nodes import admin_action, get, staff
from disclosures import services
from disclosures.models import DisclosureRecord
from disclosures.services import record_view_counts_flush
from tests.conftest import SEED_INDEX_NUMBER
from tests.disclosures.factories import published

from . import nodes

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

SEED_URL = f"/disclosures/{SEED_INDEX_NUMBER}/"


@pytest.fixture
def prefix():
    prefix = nodes.new_prefix()
    yield prefix
    nodes.forget(prefix)


def seed_views():
    return DisclosureRecord.objects.get(index_number=SEED_INDEX_NUMBER).view_count


def flushed_views(prefix, before):
    """Views added to the database by a flush (the nodes have stopped: each worker handed what
    it held to Redis as it exited)."""
    with nodes.counters_of(prefix):
        record_view_counts_flush()
    return seed_views() - before


def listed(node, title):
    status, body = get(node.base, "/disclosures/")
    assert status == 200
    return title in body


def withdrawn(title):
    """A record published once and withdrawn: the admin's 发布所选 publishes it again (a draft
    would go through review)."""
    record = published(title)
    return services.record_withdraw(record=record, reason="测试")


def test_a_publish_on_one_node_shows_on_the_other_within_the_local_seconds_and_views_on_both_add_up(prefix):
    call_command("load_seed", verbosity=0)
    record = withdrawn("关于双节点测试的通知")
    before = seed_views()
    cookie, _ = staff(nodes.node_env(prefix), "two-nodes-staff")
    local = settings.PAGE_CACHE_LOCAL_SECONDS  # the nodes run these settings too
    with nodes.start("node-a", prefix) as a, nodes.start("node-b", prefix) as b:
        for node, views in ((a, 5), (b, 7)):
            for _ in range(views):
                assert get(node.base, SEED_URL)[0] == 200
            assert not listed(node, record.title)
            assert not listed(node, record.title)  # now from its page cache

        assert admin_action(a.base, cookie, "publish_selected", [record.pk]) == 302
        assert listed(a, record.title)  # at once on the node that made the change
        time.sleep(local + 0.05)
        assert listed(b, record.title)  # within PAGE_CACHE_LOCAL_SECONDS on the other

        assert admin_action(b.base, cookie, "withdraw_selected", [record.pk]) == 302
        assert not listed(b, record.title)
        time.sleep(local + 0.05)
        assert not listed(a, record.title)
    assert flushed_views(prefix, before) == 5 + 7  # every view on either node, none lost


def _blocked_on(table, database):
    """pid of a backend waiting for a lock to insert into `table` (None if none yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND query LIKE %s",
            [database, f'INSERT INTO "{table}"%'],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _has_written(pid, table):
    """Whether backend `pid` has changed rows of `table` in its open transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND c.relname = %s AND l.mode = 'RowExclusiveLock'",
            [pid, table],
        )
        return cursor.fetchone() is not None


def _alive(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def _wait(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_killed_in_the_middle_of_a_publish_leaves_the_record_as_it_was(prefix):
    call_command("load_seed", verbosity=0)
    record = withdrawn("关于进程中断测试的通知")
    history = record.history.count()
    database = connection.settings_dict["NAME"]
    with nodes.start("killed", prefix) as node:
        cookie, _ = staff(nodes.node_env(prefix), "killed-worker-staff")
        answer = {}
        # The audit table held: the publish stops at its audit entry, its record and history
        # row already written in its transaction.
        with psycopg.connect(nodes.database_url().replace("postgres://", "postgresql://", 1)) as holder:
            holder.execute("LOCK TABLE audit_auditentry IN SHARE MODE")
            publishing = threading.Thread(
                target=lambda: answer.update(status=admin_action(node.base, cookie, "publish_selected", [record.pk]))
            )
            publishing.start()
            _wait(lambda: _blocked_on("audit_auditentry", database))
            backend = _blocked_on("audit_auditentry", database)
            assert _has_written(backend, "disclosures_disclosurerecord")
            assert _has_written(backend, "disclosures_historicaldisclosurerecord")
            [worker] = node.worker_pids()
            os.kill(worker, signal.SIGKILL)
            publishing.join(timeout=30)
            holder.rollback()
        assert answer["status"] != 302  # the staff member got no answer…
        _wait(lambda: not _alive(backend))  # it found its client gone, and rolled back
        record.refresh_from_db()
        # …and nothing of the publish was kept: not its status, history row or audit entry.
        assert record.status == "withdrawn" and record.history.count() == history
        assert not AuditEntry.objects.filter(target_id=str(record.pk), action="publish").exists()

        # gunicorn has started another worker: the same publish now goes through whole.
        _wait(lambda: node.worker_pids() and node.worker_pids() != [worker])
        assert admin_action(node.base, cookie, "publish_selected", [record.pk]) == 302
        record.refresh_from_db()
        assert record.status == "published" and record.history.count() == history + 1
        assert AuditEntry.objects.filter(target_id=str(record.pk), action="publish").count() == 1


def test_workers_recycled_by_max_requests_lose_no_view(prefix):
    call_command("load_seed", verbosity=0)
    before = seed_views()
    workers = set()
    with nodes.start("recycled", prefix, workers=2, args=("--max-requests", "3")) as node:
        for _ in range(10):
            assert get(node.base, SEED_URL)[0] == 200
            workers.update(node.worker_pids())
    assert len(workers) > 2  # recycled along the way
    assert flushed_views(prefix, before) == 10
