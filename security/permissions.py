"""Staff permissions read through the shared cache, forgotten by every change at once.

Django's ModelBackend reads a staff member's permissions with two queries on every request
(their own and their groups'), about a third of the worker CPU of a kept staff page. Here the
set is kept in the cache beside a version stamp; any change that can alter anyone's permissions
(a group or permission given or taken, a group or permission deleted, a migration) writes a new
stamp when its transaction commits, and a kept set with another stamp is read again. So a
revocation takes effect with the next request, as before.

Only with a cache all processes share (REDIS_URL): a process-local cache would not see another
process's new stamp. A Redis outage that loses the new stamp empties the cache when Redis
answers again (core.redis_cache), so no older set comes back. docs/decisions/0105."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

VERSION_KEY = "security:permissions-version"
KEY = "security:permissions:{pk}:{superuser}"
# A bound on how long an unused set stays, not on how stale it may be (the stamp decides that).
KEEP_SECONDS = 24 * 3600
# Set on the connection by a change not yet committed: until the transaction ends, its own
# reads see rows nobody else sees, and must neither use nor keep a set.
CHANGED_ATTRIBUTE = "_permissions_changed"


def _enabled() -> bool:
    return getattr(settings, "PERMISSION_CACHE", False)


class CachedPermissionsBackend(ModelBackend):
    """ModelBackend, with get_all_permissions (what has_perm and the admin ask) kept between
    requests while nothing has changed."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or not _enabled():
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = kept_permissions(
                user_obj, lambda: super(CachedPermissionsBackend, self).get_all_permissions(user_obj)
            )
        return user_obj._perm_cache


def kept_permissions(user, compute) -> set[str]:
    """compute() — the user's permissions from the database — unless the cache holds them
    under the current stamp. The stamp is read before computing: a change committed meanwhile
    writes a newer one, under which what is stored here is never read."""
    connection = connections[DEFAULT_DB_ALIAS]
    if getattr(connection, CHANGED_ATTRIBUTE, False):
        if connection.in_atomic_block:
            return compute()
        setattr(connection, CHANGED_ATTRIBUTE, False)  # that transaction was rolled back
    # Superuser status is part of the key: it is read fresh with the user on every request.
    key = KEY.format(pk=user.pk, superuser=int(user.is_superuser))
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        # First use, or the stamp was evicted: a new random stamp, so no older set is valid.
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
        if version is None:  # the cache is away: read the database
            return compute()
    else:
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            return set(entry[1])
    permissions = compute()
    cache.set(key, (version, frozenset(permissions)), KEEP_SECONDS)
    return permissions


def forget_all() -> None:
    """Every kept set stale: a new stamp once the change is committed (before, another request
    could read the old rows and keep them under the new stamp). Until then this transaction
    reads its own rows (CHANGED_ATTRIBUTE); a rollback renews nothing, and needs nothing."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        setattr(connection, CHANGED_ATTRIBUTE, True)

    def committed():
        setattr(connection, CHANGED_ATTRIBUTE, False)
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)

    transaction.on_commit(committed)


def _changed(**kwargs):
    if kwargs.get("action", "post_").startswith("post_"):
        forget_all()


def connect_signals():
    user_model = get_user_model()
    through_models = (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through)
    for through in through_models:
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"permissions-m2m-{through._meta.label}")
    # Groups and permissions deleted or renamed (a superuser holds every permission), content
    # types (a permission's app label). Rows of the link tables written directly (bulk SQL,
    # QuerySet.delete on a link table) send no signal at all: like QuerySet.update elsewhere,
    # they are seen after the next change or KEEP_SECONDS.
    for model in (Group, Permission, ContentType):
        post_save.connect(_changed, sender=model, dispatch_uid=f"permissions-save-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"permissions-delete-{model._meta.label}")
    # Permissions created by migrate are bulk-created: no post_save.
    post_migrate.connect(_changed, dispatch_uid="permissions-migrate")
