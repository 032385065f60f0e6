"""The node's health probe (core/health.py): what a load balancer and the availability monitor
ask, answered without a page, a session, a cache entry or a count."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db


def test_a_node_that_reads_its_database_answers_ok_and_keeps_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]  # never kept by the page cache or a CDN
    assert not response.cookies  # no session started for a probe every few seconds


def test_a_node_whose_database_does_not_answer_says_so_and_is_taken_out(client, monkeypatch, caplog):
    def refused(self, sql, params=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refused)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.content == b"database unavailable\n"
    assert "does not answer: connection refused" in caplog.text


def test_the_probe_is_answered_over_plain_http_where_everything_else_is_sent_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
