"""Signing out is a POST (with its CSRF token), so that no link or image on another site signs
anyone out; an address typed or bookmarked still gets a page that says what to do."""

import pytest
from django.contrib.auth import get_user_model

from tests.proposals.factories import MemberFactory
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
PASSWORD = "Guandu-2026-docs"


@pytest.fixture
def member_client(client):
    user = get_user_model().objects.create_user("member-zhao", password=PASSWORD)
    MemberFactory(user=user)
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client):
    sign_in_staff(client, get_user_model().objects.create_superuser("li-staff", "li@example.com", PASSWORD))
    return client


@pytest.mark.parametrize(
    ("signed_in", "path"), [("member_client", "/accounts/logout/"), ("staff_client", "/admin/logout/")]
)
def test_opening_the_sign_out_address_asks_to_confirm_and_signs_nobody_out(request, signed_in, path):
    client = request.getfixturevalue(signed_in)
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>退出登录</h1>" in text and f'<form method="post" action="{path}"' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert "_auth_user_id" in client.session  # still signed in

    response = client.post(path)
    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session


def test_signed_out_readers_are_told_so(client):
    # (The admin's sends them to its sign-in page.)
    path = "/accounts/logout/"
    page = client.get(path)
    assert page.status_code == 200 and "您已退出登录" in page.content.decode()
    assert f'action="{path}"' not in page.content.decode()
