"""The second sign-in step as an attacker and a hurried user would meet it: the session it
verifies, codes typed the way phones type them, and what is said while failures hold it back."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staff import authenticator, current_code

pytestmark = pytest.mark.django_db
PASSWORD = "Guandu-2026-docs"


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 58, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff_user():
    return get_user_model().objects.create_superuser("li-staff", "li@example.com", PASSWORD)


def password_step(client):
    response = client.post("/admin/login/", {"username": "li-staff", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    return client.cookies["sessionid"].value, client.cookies["csrftoken"].value


def test_passing_the_second_step_gives_the_session_a_new_key(client, staff_user, clock):
    """Whoever learnt the half signed-in session's key (a shared computer, a proxy log) must not
    ride on it once its owner has typed the code."""
    device = authenticator(staff_user)
    half_key, half_csrf = password_step(client)
    response = client.post("/accounts/2fa/verify/", {"token": current_code(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.cookies["sessionid"].value != half_key
    assert client.cookies["csrftoken"].value != half_csrf
    assert client.get("/admin/").status_code == 200

    stolen = Client()
    stolen.cookies["sessionid"] = half_key
    assert stolen.get("/admin/").status_code == 302


def test_enrolling_an_authenticator_gives_the_session_a_new_key(client, staff_user, clock):
    half_key, _ = password_step(client)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    assert client.post("/accounts/2fa/setup/", {"token": current_code(device)}).status_code == 200
    assert client.cookies["sessionid"].value != half_key
    assert client.get("/admin/").status_code == 200
