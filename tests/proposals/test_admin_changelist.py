"""The replies changelist at a million records (one reply per fifty records, ADR 0052): a fixed
number of queries whatever the table holds, no COUNT over it, newest replies first, and an
exact 提案号 found from its index."""

import datetime as dt

import pytest
from django.contrib.admin.templatetags.admin_list import results
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.changelists import result_rows
from tests.staff import sign_in_staff

from .conftest import publish, send
from .factories import ProposalFactory, ReplyFactory

pytestmark = pytest.mark.django_db

URL = "/admin/proposals/reply/"


@pytest.fixture
def admin_client(client, vocab):
    return sign_in_staff(client, User.objects.create_superuser("boss", password="pw-123456789"))


def replies(n, start=0):
    made = []
    for i in range(n):
        reply = ReplyFactory(replied_on=dt.date(2024, 4, 1) + dt.timedelta(days=start + i))
        if i % 2:  # some sent and published: a record to link to
            send(reply)
            publish(reply)
        made.append(reply)
    return made


def get(client, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response, [q["sql"] for q in queries.captured_queries]


def test_queries_stay_the_same_however_many_replies_and_none_counts_them_all(admin_client):
    replies(2)
    # Steady states: the first page after signing in also writes the time of activity, the
    # first after a change reads the filters' choices again.
    get(admin_client)
    _, few = get(admin_client)
    replies(12, start=10)
    get(admin_client)
    response, many = get(admin_client)
    assert len(many) == len(few)
    counts = [sql for sql in many if "COUNT(" in sql.upper()]
    assert len(counts) == 1 and "LIMIT 101" in counts[0]
    assert not any("DISTINCT" in sql.upper() and "replied_on" in sql for sql in many)  # no date hierarchy
    assert "2024年" in response.content.decode()  # the year filter instead
    shown = list(response.context["cl"].result_list)
    assert [r.replied_on for r in shown] == sorted((r.replied_on for r in shown), reverse=True)


def test_a_proposal_number_is_found_exactly(admin_client):
    wanted = ReplyFactory(proposal=ProposalFactory(number="102114"))
    ReplyFactory(proposal=ProposalFactory(number="1021140", title="关于102114号提案的后续建议"))
    for term in ("102114", "第102114号", "第１０２１１４号"):
        response, _ = get(admin_client, {"q": term})
        assert list(response.context["cl"].result_list) == [wanted], term
    response, _ = get(admin_client, {"q": "后续建议"})  # words: matched in the rows
    assert [r.proposal.number for r in response.context["cl"].result_list] == ["1021140"]


def test_rows_have_django_markup_without_a_url_reversed_per_row(admin_client, monkeypatch):
    replies(4)
    calls = []
    monkeypatch.setattr(ChangeList, "url_for_result", lambda cl, result: calls.append(result))
    response, _ = get(admin_client, {"status__exact": "sent"})
    cl = response.context["cl"]
    rows = "".join("".join(row) for row in result_rows(cl))
    assert calls == []
    monkeypatch.undo()
    assert rows == "".join("".join(str(cell) for cell in row) for row in results(cl))
    assert "政府信息公开记录" not in rows and "<a href=" in rows  # the record column links to the record
