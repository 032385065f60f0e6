"""Staff permissions kept in the shared cache (security/permissions.py, ADR 0105): read from the
database once, then from the cache — and every change that can take a permission away is seen
by the very next request."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from security import permissions
from tests.staff import sign_in_staff

PERMISSION = "disclosures.view_disclosurerecord"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enabled")]


@pytest.fixture
def enabled():
    with override_settings(KEPT_LOOKUPS=True):
        yield


@pytest.fixture
def viewers():
    group = Group.objects.create(name="测试查看组")
    group.permissions.add(Permission.objects.get(codename="view_disclosurerecord"))
    return group


@pytest.fixture
def staff(viewers, django_capture_on_commit_callbacks):
    user = User.objects.create_user("perm-staff", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        user.groups.add(viewers)
    return user


def fresh(user):
    """The user as the next request loads it (permissions are kept on the object per request)."""
    return User.objects.get(pk=user.pk)


def permission_queries(user):
    with CaptureQueriesContext(connection) as queries:
        allowed = user.has_perm(PERMISSION)
    return allowed, [q["sql"] for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_read_from_the_database_once_then_from_the_cache(staff):
    allowed, queries = permission_queries(fresh(staff))
    assert allowed and len(queries) == 2  # the user's own and the groups'
    allowed, queries = permission_queries(fresh(staff))
    assert allowed and queries == []


@override_settings(KEPT_LOOKUPS=False)
def test_without_a_shared_cache_every_request_reads_the_database(staff):
    permission_queries(fresh(staff))
    allowed, queries = permission_queries(fresh(staff))
    assert allowed and len(queries) == 2


def revoke_membership(user, group):
    user.groups.remove(group)


def revoke_from_group(user, group):
    group.permissions.remove(Permission.objects.get(codename="view_disclosurerecord"))


def clear_groups(user, group):
    user.groups.clear()


def delete_group(user, group):
    group.delete()


def delete_permission(user, group):
    Permission.objects.get(codename="view_disclosurerecord").delete()


@pytest.mark.parametrize(
    "revoke",
    [revoke_membership, revoke_from_group, clear_groups, delete_group, delete_permission],
)
def test_a_revocation_is_seen_by_the_next_request(staff, viewers, revoke, django_capture_on_commit_callbacks):
    assert fresh(staff).has_perm(PERMISSION)
    assert permission_queries(fresh(staff)) == (True, [])  # kept
    with django_capture_on_commit_callbacks(execute=True):
        revoke(staff, viewers)
    assert not fresh(staff).has_perm(PERMISSION)


def test_a_grant_is_seen_by_the_next_request(django_capture_on_commit_callbacks):
    user = User.objects.create_user("perm-new", is_staff=True)
    assert not fresh(user).has_perm(PERMISSION)
    with django_capture_on_commit_callbacks(execute=True):
        user.user_permissions.add(Permission.objects.get(codename="view_disclosurerecord"))
    assert fresh(user).has_perm(PERMISSION)


def test_superuser_status_is_read_with_the_user_not_kept(staff):
    assert not fresh(staff).has_perm("disclosures.delete_disclosurerecord")
    User.objects.filter(pk=staff.pk).update(is_superuser=True)  # no signal at all
    assert fresh(staff).has_perm("disclosures.delete_disclosurerecord")
    User.objects.filter(pk=staff.pk).update(is_superuser=False, is_active=True)
    assert not fresh(staff).has_perm("disclosures.delete_disclosurerecord")
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert not fresh(staff).has_perm(PERMISSION)


def test_a_change_not_yet_committed_forgets_nothing_early(staff, viewers, django_capture_on_commit_callbacks):
    """The stamp is renewed on commit; until then the changing transaction reads its own rows
    and keeps nothing (a rollback would otherwise leave its view behind)."""
    fresh(staff).has_perm(PERMISSION)
    before = cache.get(permissions.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        revoke_membership(staff, viewers)
    allowed, queries = permission_queries(fresh(staff))
    assert not allowed and len(queries) == 2  # its own change, read from the database
    assert cache.get(permissions.VERSION_KEY) == before  # others keep the committed state
    assert cache.get(permissions.KEY.format(pk=staff.pk, superuser=0))[1] == {PERMISSION}
    for callback in callbacks:
        callback()
    assert cache.get(permissions.VERSION_KEY) != before
    allowed, queries = permission_queries(fresh(staff))
    assert not allowed and len(queries) == 2
    assert permission_queries(fresh(staff)) == (False, [])  # and kept again


def test_a_lost_stamp_makes_every_kept_set_stale(staff, viewers):
    fresh(staff).has_perm(PERMISSION)
    # A change whose new stamp was lost (here a link row deleted directly, which sends no
    # signal; and the stamp evicted): with no stamp, nothing kept is trusted.
    User.groups.through.objects.filter(user=staff).delete()
    cache.delete(permissions.VERSION_KEY)
    assert not fresh(staff).has_perm(PERMISSION)


def test_migrate_renews_the_stamp(staff, django_capture_on_commit_callbacks):
    fresh(staff).has_perm(PERMISSION)
    before = cache.get(permissions.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        # What `migrate` sends once it is done (it bulk-creates new permissions first).
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert cache.get(permissions.VERSION_KEY) not in (None, before)


def test_a_revoked_staff_member_is_refused_at_once_by_the_admin(
    client, staff, viewers, django_capture_on_commit_callbacks
):
    sign_in_staff(client, staff)
    url = "/admin/disclosures/disclosurerecord/"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # the second from the kept set
    with django_capture_on_commit_callbacks(execute=True):
        staff.groups.remove(viewers)
    assert client.get(url).status_code == 403
