"""The second factor a staff session was verified with, kept in the shared cache
(security.middleware.KeptDeviceOTPMiddleware, ADR 0109): its row is read once, then its facts
come from the cache, and a device removed, unconfirmed or given to someone else unverifies the
session at the very next request."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.staff import authenticator, sign_in_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enabled")]
ADMIN = "/admin/"


@pytest.fixture
def enabled():
    with override_settings(KEPT_LOOKUPS=True):
        yield


@pytest.fixture
def staff(client, django_capture_on_commit_callbacks):
    user = User.objects.create_user("kept-device-staff", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        authenticator(user)
    sign_in_staff(client, user)
    return user


def device_queries(client, path=ADMIN):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries.captured_queries if "otp_totp_totpdevice" in q["sql"]]


def test_the_device_is_read_once_then_kept(client, staff):
    response, queries = device_queries(client)
    assert response.status_code == 200 and len(queries) == 1
    response, queries = device_queries(client)
    assert response.status_code == 200 and queries == []


@override_settings(KEPT_LOOKUPS=False)
def test_without_a_shared_cache_every_request_reads_the_device(client, staff):
    client.get(ADMIN)
    response, queries = device_queries(client)
    assert response.status_code == 200 and len(queries) == 1


def unverified(response):
    return response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_a_removed_device_unverifies_the_session_at_the_next_request(client, staff, django_capture_on_commit_callbacks):
    assert client.get(ADMIN).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        authenticator(staff).delete()
    assert unverified(client.get(ADMIN))


def test_an_unconfirmed_device_unverifies_the_session(client, staff, django_capture_on_commit_callbacks):
    assert client.get(ADMIN).status_code == 200
    device = authenticator(staff)
    with django_capture_on_commit_callbacks(execute=True):
        device.confirmed = False
        device.save()
    assert unverified(client.get(ADMIN))


def test_a_device_given_to_someone_else_unverifies_the_session(client, staff, django_capture_on_commit_callbacks):
    assert client.get(ADMIN).status_code == 200
    device = authenticator(staff)
    with django_capture_on_commit_callbacks(execute=True):
        device.user = User.objects.create_user("someone-else", is_staff=True)
        device.save()
    assert unverified(client.get(ADMIN))


def test_the_device_itself_is_loaded_when_used(rf, staff):
    from django.contrib.sessions.backends.cache import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    from security.middleware import KeptDeviceOTPMiddleware

    request = rf.get(ADMIN)
    request.user = staff
    request.session = SessionStore()
    request.session[DEVICE_ID_SESSION_KEY] = authenticator(staff).persistent_id
    KeptDeviceOTPMiddleware(lambda request: None)(request)
    request.user.is_verified()  # the facts decide: no query
    with CaptureQueriesContext(connection) as queries:
        assert request.user.is_verified()
        assert request.user.otp_device.user_id == staff.pk
    assert queries.captured_queries == []
    assert request.user.otp_device.name == "测试验证器"  # loaded now
