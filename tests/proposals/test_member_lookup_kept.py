"""Which 委员 a signed-in user is, kept in the shared cache (proposals.selectors.member_id_for_user,
core.stamped, ADR 0108): read once, then from the cache, and every change to a member's account
link is seen by the very next request."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from proposals import selectors

from .factories import MemberFactory, ProposalFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vocab", "enabled")]


@pytest.fixture
def enabled():
    with override_settings(KEPT_LOOKUPS=True):
        yield


@pytest.fixture
def member(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = get_user_model().objects.create_user("kept-member")
        member = MemberFactory(name="李卫东", user=user)
    ProposalFactory(lead_member=member, title="关于社区食堂的建议")
    return member


def member_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries.captured_queries if "proposals_member" in q["sql"]]


def test_a_kept_page_is_served_without_reading_the_member(client, member):
    client.force_login(member.user)
    response, queries = member_queries(client, "/proposals/mine/")
    assert response.status_code == 200 and "关于社区食堂的建议" in response.content.decode()
    assert queries  # rendered: the member's id and the member were read
    response, queries = member_queries(client, "/proposals/mine/")
    assert response.status_code == 200 and "关于社区食堂的建议" in response.content.decode()
    assert queries == []


@override_settings(KEPT_LOOKUPS=False)
def test_without_a_shared_cache_every_request_reads_the_database(client, member):
    client.force_login(member.user)
    client.get("/proposals/mine/")
    _, queries = member_queries(client, "/proposals/mine/")
    assert len(queries) == 1


def test_a_link_taken_away_is_seen_by_the_next_request(client, member, django_capture_on_commit_callbacks):
    client.force_login(member.user)
    assert client.get("/proposals/mine/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        member.user = None
        member.save()
    response = client.get("/proposals/mine/")
    assert response.status_code == 403 and "关于社区食堂的建议" not in response.content.decode()


def test_a_link_moved_to_another_member_shows_that_members_page(client, member, django_capture_on_commit_callbacks):
    user = member.user
    client.force_login(user)
    assert "关于社区食堂的建议" in client.get("/proposals/mine/").content.decode()
    other = MemberFactory(name="赵新民")
    ProposalFactory(lead_member=other, title="关于老旧小区加装电梯的建议")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        member.user = None
        member.save()
        other.user = user
        other.save()
    text = client.get("/proposals/mine/").content.decode()
    assert "关于老旧小区加装电梯的建议" in text and "关于社区食堂的建议" not in text


def test_a_deleted_user_is_forgotten(member, django_capture_on_commit_callbacks):
    user = member.user
    assert selectors.member_id_for_user(user) == member.pk
    stamp = cache.get(selectors.kept_member_ids.version_key)
    with django_capture_on_commit_callbacks(execute=True):
        get_user_model().objects.filter(pk=user.pk).delete()  # clears the link by an UPDATE
    assert cache.get(selectors.kept_member_ids.version_key) not in (None, stamp)
    member.refresh_from_db()
    assert member.user_id is None


def test_inside_the_changing_transaction_its_own_rows_are_read(member, django_capture_on_commit_callbacks):
    user = member.user
    assert selectors.member_id_for_user(user) == member.pk
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        member.user = None
        member.save()
        # Not yet committed: this transaction sees its own change, and keeps nothing.
        assert selectors.member_id_for_user(user) is None
