"""Two wrong second-step codes sent at the same moment, on PostgreSQL with two real
connections: the hold-back after the first must apply to the second, as django-otp's count on
the locked device did. Otherwise whoever holds the password checks as many codes as they send
at once, whatever the hold-back says."""

import django_otp
import pytest
from django.test import Client

from tests.races import Meanwhile, before
from tests.security.conftest import password_step
from tests.security.test_hold_back import VERIFY, wrong_code
from tests.staff import authenticator

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_a_code_sent_while_another_is_checked_waits_for_its_hold_back(staff_user, clock, monkeypatch):
    device = authenticator(staff_user)
    ours, theirs = password_step(Client()), password_step(Client())
    # Theirs arrives once ours has been let through the hold-back, before its code is checked.
    other = Meanwhile(lambda: theirs.post(VERIFY, {"token": wrong_code(device)}).content.decode())
    before(monkeypatch, django_otp, "verify_token", other)

    assert "验证码不正确" in ours.post(VERIFY, {"token": wrong_code(device)}).content.decode()
    page = other.done()

    assert "输错次数过多" in page and "验证码不正确" not in page  # not checked: held back by ours
