"""Read replicas against a real streaming standby of the test PostgreSQL (core/db_router.py).

The replica alias is the standby's copy of the test database (tests/standby.py; `make standby`
creates it). The standby replicates only what is committed, so these tests are transactional.
Each one finds the standby running, caught up and without delay, and leaves it so."""

import logging
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from core import db_router
from disclosures import services
from disclosures.models import DisclosureRecord
from tests.disclosures.factories import published
from tests.staff import sign_in_staff

pytestmark = [pytest.mark.standby, pytest.mark.django_db(transaction=True, databases="__all__")]

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"
# A cookie the page cache does not know: the page is rendered, so it reads a database.
RENDERED = {"HTTP_COOKIE": "standby-test=1"}
# Far longer than a test runs: while it is set the standby applies nothing the test commits.
DELAY_SECONDS = 300


@pytest.fixture(autouse=True)
def standby_as_found(standby):
    standby.start()
    standby.set_delay(0)
    standby.wait_caught_up()
    db_router.reset_local()
    yield standby
    db_router.reset_local()
    standby.start()
    standby.set_delay(0)


def replica():
    return connections[settings.DATABASE_REPLICAS[0]]


def on_standby(standby, record):
    """The record as the standby has it now (status, title), read straight from the standby."""
    rows = standby.query(
        "SELECT status, title FROM disclosures_disclosurerecord WHERE id = %s",
        [record.pk],
        dbname=connections["default"].settings_dict["NAME"],
    )
    return rows[0] if rows else None


def page_queries(client, url, **extra):
    """(response, the SQL it ran on the standby). Recorded around each execution, without
    connecting first as CaptureQueriesContext does (the standby may be stopped)."""
    sql = []

    def record(execute, query, params, many, context):
        sql.append(query)
        return execute(query, params, many, context)

    with replica().execute_wrapper(record):
        response = client.get(url, **extra)
    return response, sql


def test_the_replica_alias_is_the_standbys_copy_of_the_test_database(standby):
    with replica().cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database(), inet_server_port()")
        assert cursor.fetchone() == (True, connections["default"].settings_dict["NAME"], standby.port)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)


def test_staff_see_each_change_at_once_and_no_reader_gets_a_withdrawn_record_from_a_lagging_standby(standby):
    staff = sign_in_staff(
        Client(HTTP_USER_AGENT=BROWSER), get_user_model().objects.create_superuser("standby-staff", "", "pw-Standby-1")
    )
    anonymous = Client(HTTP_USER_AGENT=BROWSER)
    record = published("关于备库测试的通知")
    url = record.get_absolute_url()
    standby.wait_caught_up()
    response, sql = page_queries(anonymous, url, **RENDERED)
    assert response.status_code == 200 and "关于备库测试的通知" in response.content.decode()
    assert any("disclosures_disclosurerecord" in q for q in sql)  # read from the standby

    standby.set_delay(DELAY_SECONDS)  # from here on the standby applies nothing
    record.title = "关于备库测试的通知（修订）"
    record.save()
    assert "关于备库测试的通知（修订）" in staff.get(url).content.decode()
    for extra in ({}, RENDERED):
        response, sql = page_queries(anonymous, url, **extra)
        assert "关于备库测试的通知（修订）" in response.content.decode()
        assert sql == [db_router.REPLAYED_SQL]  # asked how far it is, then not read
    assert on_standby(standby, record) == ("published", "关于备库测试的通知")  # the standby is behind

    services.record_withdraw(record=record, reason="备库延迟测试")
    assert staff.get(url).status_code == 404
    for _ in range(3):
        for extra in ({}, RENDERED):
            response, sql = page_queries(anonymous, url, **extra)
            assert response.status_code == 404
            assert not any("disclosures_disclosurerecord" in q for q in sql)
        catalogue, _ = page_queries(anonymous, "/disclosures/")
        assert catalogue.status_code == 200 and "关于备库测试的通知" not in catalogue.content.decode()
    # …while the standby still holds the record as published and would have served it.
    assert on_standby(standby, record) == ("published", "关于备库测试的通知")

    standby.set_delay(0)
    standby.wait_caught_up()
    assert on_standby(standby, record) == ("withdrawn", "关于备库测试的通知（修订）")
    catalogue, sql = page_queries(anonymous, "/disclosures/", **RENDERED)
    assert catalogue.status_code == 200 and "关于备库测试的通知" not in catalogue.content.decode()
    assert any("disclosures_disclosurerecord" in q for q in sql)  # caught up: the standby is used again


def test_reads_fall_back_to_the_primary_while_the_standby_is_stopped_and_use_it_again_once_back(
    standby, settings, caplog
):
    settings.DATABASE_REPLICA_RETRY_SECONDS = 1
    record = published("关于备库停机测试的通知")
    standby.wait_caught_up()
    reader = Client(HTTP_USER_AGENT=BROWSER)
    pages = ["/", "/disclosures/", record.get_absolute_url(), "/search/?q=停机", "/proposals/"]
    for path in pages:
        assert reader.get(path, **RENDERED).status_code == 200

    standby.stop()
    with caplog.at_level(logging.WARNING, logger="core.db_router"):
        for _ in range(3):
            for path in pages:
                response, sql = page_queries(reader, path, **RENDERED)
                assert response.status_code == 200, path
                assert sql == []
    away = [r for r in caplog.records if r.name == "core.db_router" and "is away" in r.getMessage()]
    assert len(away) == 1  # once per interval, not per request
    assert "关于备库停机测试的通知" in reader.get(record.get_absolute_url(), **RENDERED).content.decode()

    standby.start()
    standby.wait_caught_up()
    time.sleep(settings.DATABASE_REPLICA_RETRY_SECONDS)
    response, sql = page_queries(reader, "/disclosures/", **RENDERED)
    assert response.status_code == 200 and "关于备库停机测试的通知" in response.content.decode()
    assert any("disclosures_disclosurerecord" in q for q in sql)


def test_a_request_whose_standby_connection_breaks_is_answered_from_the_primary(standby):
    record = published("关于备库断线测试的通知")
    standby.wait_caught_up()
    reader = Client(HTTP_USER_AGENT=BROWSER, raise_request_exception=False)
    assert reader.get("/", **RENDERED).status_code == 200  # the standby's connection is open
    broken = []

    def break_connection(execute, sql, params, many, context):
        # The first query of the view: the standby's backend is ended under it, for real.
        if not broken:
            broken.append(sql)
            standby.query("SELECT pg_terminate_backend(%s)", [replica().connection.info.backend_pid])
        return execute(sql, params, many, context)

    with replica().execute_wrapper(break_connection):
        response = reader.get(record.get_absolute_url(), **RENDERED)
    assert broken  # the fault happened during the request…
    assert response.status_code == 200  # …and the primary answered
    assert "关于备库断线测试的通知" in response.content.decode()
    assert DisclosureRecord.objects.get(pk=record.pk).status == "published"
