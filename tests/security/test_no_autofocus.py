"""No sign-in or password page moves the focus into a field when it loads: it would skip the
skip link, the header and the page's heading (WCAG 2.4.3), so keyboard and screen-reader users
would start mid-page without knowing where they are."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.security.conftest import PASSWORD
from tests.staff import authenticator, sign_in_staff

pytestmark = pytest.mark.django_db


def pages(staff_user):
    member = get_user_model().objects.create_user("member-zhao", password=PASSWORD)
    signed_in_member = Client()
    signed_in_member.force_login(member)
    enrolling = Client()  # past the password, no authenticator yet
    enrolling.force_login(staff_user)
    other_staff = get_user_model().objects.create_user("zhou-staff", password=PASSWORD, is_staff=True)
    authenticator(other_staff)
    verifying = Client()  # past the password, the authenticator's code to come
    verifying.force_login(other_staff)
    signed_in_staff = sign_in_staff(Client(), get_user_model().objects.create_superuser("wu-staff", "", PASSWORD))
    return [
        (Client(), "/accounts/login/"),
        (Client(), "/admin/login/"),
        (signed_in_member, "/accounts/password_change/"),
        (enrolling, "/accounts/2fa/setup/"),
        (verifying, "/accounts/2fa/verify/"),
        (signed_in_staff, "/admin/password_change/"),
    ]


def test_no_sign_in_or_password_page_takes_the_focus_on_load(staff_user):
    focused = []
    for client, path in pages(staff_user):
        response = client.get(path)
        # Sent back with errors too: a field must not take the focus from the error summary.
        again = client.post(path, {"token": ""})
        assert response.status_code == 200 and "errorlist" in again.content.decode(), path
        focused += [
            f"{path} {method}" for method, r in (("GET", response), ("POST", again)) if b"autofocus" in r.content
        ]
    assert focused == []
