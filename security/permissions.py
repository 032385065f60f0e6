"""Staff permissions read through the shared cache, forgotten by every change at once.

Django's ModelBackend reads a staff member's permissions with two queries on every request
(their own and their groups'), about a third of the worker CPU of a kept staff page. Here the
set is kept with core.stamped: any change that can alter anyone's permissions (a group or
permission given or taken, a group or permission deleted, a migration) writes a new stamp when
its transaction commits, and a kept set with another stamp is read again. So a revocation takes
effect with the next request, as before. docs/decisions/0105."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from core.demo import demo_data_allowed
from core.stamped import StampedLookups

kept = StampedLookups("security:permissions")
VERSION_KEY = kept.version_key
KEY = "security:permissions:{pk}:{superuser}"


class CachedPermissionsBackend(ModelBackend):
    """ModelBackend, with get_all_permissions (what has_perm and the admin ask) kept between
    requests while nothing has changed. Under settings that forbid demo data (production) a
    demo account, whose password and recovery codes are published, cannot sign in: one left in
    the database is also reported by `manage.py check --database default` (security.checks)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not demo_data_allowed():
            from .demo import is_demo_account

            if is_demo_account(user):
                return None
        return user

    def get_user(self, user_id):
        """ModelBackend.get_user, reading the row with a statement the ORM compiled once per
        database: compiling `User.objects.get(pk=…)` anew cost every signed-in request more CPU
        than sending it. The row is still read on every request (a deactivated account, a
        changed password or superuser status counts at once)."""
        model = get_user_model()
        using = router.db_for_read(model)
        statement = _user_statement(using)
        with connections[using].cursor() as cursor:
            cursor.execute(statement.sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        if statement.converters:
            row = next(statement.compiler.apply_converters([row], statement.converters))
        user = model.from_db(using, statement.columns, row)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            compute = super().get_all_permissions
            # Superuser status is part of the key: it is read fresh with the user on every request.
            user_obj._perm_cache = set(
                kept.get(f"{user_obj.pk}:{int(user_obj.is_superuser)}", lambda: frozenset(compute(user_obj)))
            )
        return user_obj._perm_cache


class _UserStatement:
    """`User.objects.filter(pk=…)` on one database, compiled: its SQL, the columns it selects
    and the converters the backend applies to them (SQLite's dates and booleans)."""

    def __init__(self, model, using):
        self.compiler = model._default_manager.db_manager(using).filter(pk=0).query.get_compiler(using)
        self.sql, params = self.compiler.as_sql()
        if len(params) != 1:
            raise ValueError(f"reading a user by primary key took {len(params)} parameters")
        selected = [expression for expression, *_ in self.compiler.select]
        self.columns = [expression.target.attname for expression in selected]
        self.converters = self.compiler.get_converters(selected)


@functools.cache
def _user_statement(using):
    return _UserStatement(get_user_model(), using)


def connect_signals():
    user_model = get_user_model()
    through_models = (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through)
    for through in through_models:
        m2m_changed.connect(kept.forget_all, sender=through, dispatch_uid=f"permissions-m2m-{through._meta.label}")
    # Groups and permissions deleted or renamed (a superuser holds every permission), content
    # types (a permission's app label). Rows of the link tables written directly (bulk SQL,
    # QuerySet.delete on a link table) send no signal at all: like QuerySet.update elsewhere,
    # they are seen after the next change or core.stamped.KEEP_SECONDS.
    for model in (Group, Permission, ContentType):
        post_save.connect(kept.forget_all, sender=model, dispatch_uid=f"permissions-save-{model._meta.label}")
        post_delete.connect(kept.forget_all, sender=model, dispatch_uid=f"permissions-delete-{model._meta.label}")
    # Permissions created by migrate are bulk-created: no post_save.
    post_migrate.connect(kept.forget_all, dispatch_uid="permissions-migrate")
