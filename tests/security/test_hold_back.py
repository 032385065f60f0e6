"""Wrong second-step codes hold back the browser pool they came from (security.throttle), not
the owner: someone holding only the password is still slowed down, whatever addresses they
use, while the owner signs in from their usual browser meanwhile."""

import datetime as dt

import pytest
from django.test import Client

from security.models import SecondStepFailures
from security.throttle import KNOWN_BROWSER_COOKIE
from tests.security.conftest import PASSWORD, password_step
from tests.staff import authenticator, current_code

pytestmark = pytest.mark.django_db
VERIFY = "/accounts/2fa/verify/"


def wrong_code(device):
    return "000000" if current_code(device) != "000000" else "111111"


def hammer(device, clock, addresses):
    """Five wrong codes, each from the next address, waiting out each hold-back (1, 2, 4, 8 s):
    the fifth holds back for 16 s."""
    for address in addresses:
        intruder = password_step(Client(REMOTE_ADDR=address))
        assert "验证码不正确" in intruder.post(VERIFY, {"token": wrong_code(device)}).content.decode()
        clock.shift(dt.timedelta(seconds=9))
    clock.shift(dt.timedelta(seconds=-9))
    return intruder


def owners_browser(device, clock):
    """The owner's browser, once through the second step (and signed out since)."""
    owner = password_step(Client())
    assert owner.post(VERIFY, {"token": current_code(device)}).status_code == 302
    assert KNOWN_BROWSER_COOKIE in owner.cookies
    owner.post("/accounts/logout/")
    clock.shift(dt.timedelta(seconds=31))  # the next code: each is accepted once
    return owner


def test_wrong_codes_from_strangers_hold_them_back_but_not_the_owners_browser(staff_user, clock):
    device = authenticator(staff_user)
    owner = owners_browser(device, clock)
    intruder = hammer(device, clock, ["203.0.113.7"] * 5)

    held = intruder.post(VERIFY, {"token": current_code(device)}).content.decode()
    assert "输错次数过多" in held and "验证码不正确" not in held  # the right code is not even checked
    assert intruder.get("/admin/").status_code == 302

    password_step(owner)
    response = owner.post(VERIFY, {"token": current_code(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert owner.get("/admin/").status_code == 200

    # The owner's success does not let the strangers start afresh.
    assert "输错次数过多" in password_step(Client()).post(VERIFY, {"token": wrong_code(device)}).content.decode()


def test_guessing_from_many_addresses_is_held_back_all_the_same(staff_user, clock):
    device = authenticator(staff_user)
    intruder = hammer(device, clock, [f"198.51.100.{n}" for n in range(1, 6)])
    fresh = password_step(Client(REMOTE_ADDR="192.0.2.99"))
    assert "输错次数过多" in fresh.post(VERIFY, {"token": current_code(device)}).content.decode()
    assert "输错次数过多" in intruder.post(VERIFY, {"token": current_code(device)}).content.decode()
    assert SecondStepFailures.objects.get(pool="totp").failures == 5


def test_the_owners_browser_is_held_back_by_its_own_failures(staff_user, clock):
    device = authenticator(staff_user)
    owner = owners_browser(device, clock)
    password_step(owner)
    owner.post(VERIFY, {"token": wrong_code(device)})
    assert "输错次数过多" in owner.post(VERIFY, {"token": current_code(device)}).content.decode()
    clock.shift(dt.timedelta(seconds=2))
    assert owner.post(VERIFY, {"token": current_code(device)}).status_code == 302


def test_a_browser_known_for_another_account_counts_with_the_strangers(staff_user, django_user_model, clock):
    """The cookie names the account it passed the second step as: a member of staff's own
    browser, used to guess a colleague's codes, is a stranger to that colleague."""
    device = authenticator(staff_user)
    colleague = django_user_model.objects.create_user("wang-staff", password=PASSWORD, is_staff=True)
    theirs = authenticator(colleague)
    browser = password_step(Client(), "wang-staff")
    assert browser.post(VERIFY, {"token": current_code(theirs)}).status_code == 302
    browser.post("/accounts/logout/")
    hammer(device, clock, ["203.0.113.7"] * 5)

    password_step(browser)
    assert "输错次数过多" in browser.post(VERIFY, {"token": current_code(device)}).content.decode()

    forged = password_step(Client())
    forged.cookies[KNOWN_BROWSER_COOKIE] = f"{staff_user.pk}:made-up"  # not signed by the site
    assert "输错次数过多" in forged.post(VERIFY, {"token": current_code(device)}).content.decode()
