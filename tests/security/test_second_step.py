"""The second sign-in step as an attacker and a hurried user would meet it: the session it
verifies, codes typed the way phones type them, and what is said while failures hold it back."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEntry
from security.models import SecondStepFailures
from tests.security.conftest import PASSWORD
from tests.security.conftest import password_step as signed_in_half
from tests.staff import authenticator, current_code, enrolment_code

pytestmark = pytest.mark.django_db


def password_step(client):
    signed_in_half(client)
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
    data = {"enrolment_code": enrolment_code(staff_user), "token": current_code(device)}
    assert client.post("/accounts/2fa/setup/", data).status_code == 200
    assert client.cookies["sessionid"].value != half_key
    assert client.get("/admin/").status_code == 200


def wrong_code(device):
    return "000000" if current_code(device) != "000000" else "111111"


def test_a_recovery_code_typed_in_capitals_or_with_spaces_is_accepted(client, staff_user, clock):
    """Phones capitalise the first letter; a code copied from paper may be typed in groups."""
    authenticator(staff_user)
    StaticDevice.objects.create(user=staff_user, name="恢复码").token_set.create(token="k7m2p9q4")
    password_step(client)
    response = client.post("/accounts/2fa/verify/", {"token": "K7M2 p9Q4", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not StaticDevice.objects.get().token_set.exists()  # used up all the same


def test_a_recovery_code_typed_in_full_width_is_accepted(client, staff_user, clock):
    """A Chinese input method in full-width mode types Ｋ７ｍ２ and an ideographic space."""
    authenticator(staff_user)
    StaticDevice.objects.create(user=staff_user, name="恢复码").token_set.create(token="k7m2p9q4")
    password_step(client)
    response = client.post("/accounts/2fa/verify/", {"token": "Ｋ７ｍ２\u3000ｐ９Ｑ４", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_code_shown_in_two_groups_is_accepted_at_enrolment(client, staff_user, clock):
    password_step(client)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    code = current_code(device)
    data = {"enrolment_code": enrolment_code(staff_user), "token": f"{code[:3]} {code[3:]}"}
    assert client.post("/accounts/2fa/setup/", data).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_mistyped_authenticator_codes_do_not_hold_back_the_recovery_codes(client, staff_user, clock):
    """Wrong 6-digit codes slow down the authenticator, not the recovery codes the owner will
    need the day the phone is lost."""
    device = authenticator(staff_user)
    StaticDevice.objects.create(user=staff_user, name="恢复码").token_set.create(token="k7m2p9q4")
    password_step(client)
    for _ in range(3):
        client.post("/accounts/2fa/verify/", {"token": wrong_code(device)})
        clock.shift(dt.timedelta(seconds=10))
    assert list(SecondStepFailures.objects.values_list("pool", "failures")) == [("totp", 3)]
    assert client.post("/accounts/2fa/verify/", {"token": "k7m2p9q4"}).status_code == 302


def test_while_failures_hold_the_step_back_the_page_says_until_when(client, staff_user, clock):
    """A right code typed during the wait must not be called wrong: the page says to wait, and
    until when; the attempt is in the audit log, the code is not."""
    device = authenticator(staff_user)
    password_step(client)
    for _ in range(5):  # waits of 1, 2, 4, 8 and then 16 seconds
        client.post("/accounts/2fa/verify/", {"token": wrong_code(device)})
        clock.shift(dt.timedelta(seconds=9))
    clock.shift(dt.timedelta(seconds=-9))
    code = current_code(device)
    page = client.post("/accounts/2fa/verify/", {"token": code}).content.decode()
    assert "验证码不正确" not in page
    assert "输错次数过多" in page and "07:58:52" in page  # Asia/Shanghai, 16 s after the 5th failure
    assert f'value="{code}"' in page  # what was typed stays
    assert client.get("/admin/").status_code == 302
    entry = AuditEntry.objects.filter(action=Action.OTP_FAILED).latest("pk")
    assert not entry.succeeded and code not in entry.detail

    clock.shift(dt.timedelta(seconds=17))
    assert client.post("/accounts/2fa/verify/", {"token": current_code(device)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_enrolment_held_back_by_failures_says_until_when_too(client, staff_user, clock):
    password_step(client)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    code = enrolment_code(staff_user)
    client.post("/accounts/2fa/setup/", {"enrolment_code": code, "token": wrong_code(device)})
    page = client.post("/accounts/2fa/setup/", {"enrolment_code": code, "token": current_code(device)}).content.decode()
    assert "验证码不正确" not in page and "输错次数过多" in page and "07:58:01" in page
    clock.shift(dt.timedelta(seconds=2))
    done = client.post("/accounts/2fa/setup/", {"enrolment_code": code, "token": current_code(device)})
    assert "只显示这一次" in done.content.decode()


def test_the_code_box_lets_a_phone_type_a_recovery_codes_letters(client, staff_user):
    """A numeric keypad (inputmode="numeric") has no letters: a recovery code such as k7m2p9q4
    could not be typed on a phone. Enrolment asks for the authenticator's digits only."""
    authenticator(staff_user)
    password_step(client)
    box = re.search(r"<input[^>]*name=\"token\"[^>]*>", client.get("/accounts/2fa/verify/").content.decode()).group(0)
    assert 'inputmode="numeric"' not in box and 'autocapitalize="none"' in box
    assert 'autocomplete="one-time-code"' in box

    enrolling = Client()
    get_user_model().objects.create_user("new-staff", password=PASSWORD, is_staff=True)
    enrolling.post("/admin/login/", {"username": "new-staff", "password": PASSWORD, "next": "/admin/"})
    page = enrolling.get("/accounts/2fa/setup/").content.decode()
    box = re.search(r"<input[^>]*name=\"token\"[^>]*>", page).group(0)
    assert 'inputmode="numeric"' in box
    assert "恢复码" not in page.split("<h1>")[1]  # none yet: the help says digits only


def test_pages_showing_the_secret_or_recovery_codes_are_not_stored_by_the_browser(client, staff_user, clock):
    """On a shared computer, Back or the browser's cache must not show the next person the
    authenticator's secret or the recovery codes."""
    password_step(client)
    setup = client.get("/accounts/2fa/setup/")
    assert "no-store" in setup["Cache-Control"]
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    codes = client.post(
        "/accounts/2fa/setup/", {"enrolment_code": enrolment_code(staff_user), "token": current_code(device)}
    )
    assert "只显示这一次" in codes.content.decode() and "no-store" in codes["Cache-Control"]
    again = client.post("/accounts/2fa/recovery-codes/")
    assert "只显示这一次" in again.content.decode() and "no-store" in again["Cache-Control"]
