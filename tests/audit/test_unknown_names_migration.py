"""Failed sign-ins recorded before unknown names were digested: the migration rewrites what may
be a password typed into the username box, as the live rule records it now."""

import importlib

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import RequestFactory

from audit.models import Action, AuditEntry
from audit.services import attempted_name

MIGRATION = importlib.import_module("audit.migrations.0003_unknown_sign_in_names_digested")
pytestmark = pytest.mark.django_db


def historical_apps():
    """The models as migrations see them (the live audit log refuses every update)."""
    return MigrationLoader(connection).project_state().apps


def failed(name):
    return AuditEntry.objects.create(action=Action.LOGIN_FAILED, succeeded=False, actor_name=name)


def test_names_that_are_no_accounts_are_rewritten_as_the_sign_in_now_records_them():
    get_user_model().objects.create_user("wang-staff", password="x")
    password, staff, earlier = failed("Guandu-2026-docs"), failed("wang-staff"), failed("Guandu-2026-docs")
    other = AuditEntry.objects.create(action=Action.LOGIN, actor_name="Guandu-2026-docs")  # not a failed sign-in
    AccessAttempt.objects.create(
        username="Guandu-2026-docs", ip_address="10.0.0.1", user_agent="x", failures_since_start=1
    )

    MIGRATION.forwards(historical_apps(), None)

    request = RequestFactory().post("/admin/login/", {"username": "Guandu-2026-docs"})
    digested = attempted_name(request)
    assert digested.startswith("(未知账号 ")
    for entry, name in ((password, digested), (earlier, digested), (staff, "wang-staff"), (other, "Guandu-2026-docs")):
        entry.refresh_from_db()
        assert entry.actor_name == name
    assert AccessAttempt.objects.get().username == digested
    # Run again (a migration replayed on a copy): nothing changes.
    MIGRATION.forwards(historical_apps(), None)
    password.refresh_from_db()
    assert password.actor_name == digested
