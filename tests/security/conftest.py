import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model

PASSWORD = "Guandu-2026-docs"


def password_step(client, username="li-staff"):
    """The first step of the staff sign-in, passed: the session is half signed in."""
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    return client


@pytest.fixture
def clock():
    """Pinned just before midnight UTC (08:00 in Shanghai) on New Year's Eve; tests move it."""
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 58, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff_user():
    """A superuser with a password, no second factor yet."""
    return get_user_model().objects.create_superuser("li-staff", "li@example.com", PASSWORD)
