"""The signed-in user is read on every request with a statement compiled once per database
(security.permissions.CachedPermissionsBackend.get_user): the same row, the same values, and
every change to the account counts at the very next request."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from security.permissions import CachedPermissionsBackend
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = User.objects.create_user("read-staff", password="x-long-enough-1", is_staff=True, is_superuser=True)
    User.objects.filter(pk=user.pk).update(last_login=dt.datetime(2026, 12, 6, 3, 4, 5, tzinfo=dt.UTC))
    return user


@pytest.fixture
def signed_in(client, staff):
    return sign_in_staff(client, staff)


def user_compilations(monkeypatch):
    """The queries on auth_user the ORM compiles from here on."""
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        if self.query.model is User:
            compiled.append(self.query)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return compiled


def test_the_user_is_read_on_every_request_without_compiling_its_query(signed_in, monkeypatch):
    admin = reverse("admin:index")
    assert signed_in.get(admin).status_code == 200  # the statement compiled once here
    compiled = user_compilations(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        response = signed_in.get(admin)
    assert response.status_code == 200 and response.context["user"].username == "read-staff"
    assert compiled == []
    assert sum('FROM "auth_user"' in q["sql"] for q in queries.captured_queries) == 1


def test_the_row_is_read_as_the_orm_reads_it(staff):
    read = CachedPermissionsBackend().get_user(staff.pk)
    expected = User.objects.get(pk=staff.pk)
    fields = [field.attname for field in User._meta.concrete_fields]
    assert [getattr(read, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert read.last_login == dt.datetime(2026, 12, 6, 3, 4, 5, tzinfo=dt.UTC)  # aware, on SQLite too
    assert read.is_superuser is True and read.is_active is True  # booleans, not 1 and 0
    assert read._state.adding is False and read._state.db == "default"


def test_no_such_user_is_nobody(staff):
    assert CachedPermissionsBackend().get_user(staff.pk + 1000) is None


def test_an_account_switched_off_is_signed_out_at_the_next_request(signed_in, staff):
    admin = reverse("admin:index")
    assert signed_in.get(admin).status_code == 200
    User.objects.filter(pk=staff.pk).update(is_active=False)
    response = signed_in.get(admin)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_superuser_status_taken_away_counts_at_the_next_request(signed_in, staff):
    assert signed_in.get(reverse("admin:index")).context["user"].is_superuser
    User.objects.filter(pk=staff.pk).update(is_superuser=False)
    assert not signed_in.get(reverse("admin:index")).context["user"].is_superuser


def test_a_changed_password_ends_the_session(signed_in, staff):
    assert signed_in.get(reverse("admin:index")).status_code == 200
    staff.set_password("another-long-password-2")
    User.objects.filter(pk=staff.pk).update(password=staff.password)
    response = signed_in.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
