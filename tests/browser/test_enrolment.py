"""A new member of staff binds the first authenticator in a browser: the password, then an
enrolment code with the authenticator's first code. The pages on the way are axe-clean, and so
is the admin's page showing an issued code.

Every account is committed before the tests (`enrolment_staff`) and every later write goes
through the live server: on PostgreSQL the live server has a connection of its own and sees
nothing written inside a test's transaction."""

import base64
import json
import re
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import AxeResults
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import EnrolmentCode

from ..staff import authenticator, current_code
from .test_axe import AXE_SCRIPT, WCAG_TAGS

OPTIONS = {"runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]}, "resultTypes": ["violations"]}
PASSWORD = "Enrolment-staff-2026"


@pytest.fixture(scope="module")
def enrolment_staff(site, django_db_blocker):
    """The two newcomers, and one administrator per sign-in (an authenticator code is good
    once: two sign-ins in the same 30 seconds with one device would be refused). Committed
    before any test's transaction, so the live server sees them; `site` puts the database back
    afterwards."""
    User = get_user_model()
    with django_db_blocker.unblock():
        return SimpleNamespace(
            newcomer=User.objects.create_user("enrol-newcomer", "newcomer@example.com", PASSWORD, is_staff=True),
            no_mail=User.objects.create_user("enrol-no-mail", password=PASSWORD, is_staff=True),
            admins={
                name: authenticator(User.objects.create_superuser(f"enrol-admin-{name}", "", PASSWORD))
                for name in ("mail", "no-mail")
            },
        )


def axe_failures(page, url, failures):
    results = AxeResults(page.evaluate(f"axe.run(document, {json.dumps(OPTIONS)})"))
    if results.violations_count:
        failures.append(f"--- {url} ---\n{results.generate_report()}")


def new_page(reader_context):
    context = reader_context()
    context.add_init_script(path=AXE_SCRIPT)
    return context.new_page()


def sign_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")


def sign_in_admin(page, device):
    sign_in(page, device.user.get_username())
    page.fill("#id_token", current_code(device))
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
    assert page.url.endswith("/admin/"), page.url


def issue_code(page, user):
    """签发绑定验证码 in the user admin, as an administrator does; the page it shows once."""
    page.goto(f"/admin/auth/user/?q={user.get_username()}")
    page.check(f"input[name=_selected_action][value='{user.pk}']")
    page.select_option("select[name=action]", "issue_enrolment_code")
    with page.expect_navigation():
        page.click("button[name=index]")
    (code,) = re.findall(r"\b\d{8}\b", page.inner_text("#content"))
    return code


def test_first_enrolment_with_an_enrolment_code(reader_context, enrolment_staff):
    user = enrolment_staff.newcomer
    page = new_page(reader_context)
    failures = []
    sign_in(page, user.get_username())
    assert "/accounts/2fa/setup/" in page.url  # the password alone binds nothing
    axe_failures(page, "setup", failures)

    with page.expect_navigation():
        page.click("button[name=send_code]")
    assert "n***@example.com" in page.inner_text("[role=status]")
    axe_failures(page, "setup, code sent", failures)
    # The mailed code is not read from the mail here (tests/security/test_enrolment_code.py
    # does): an administrator issues one in its place, which replaces the mailed one.
    assert EnrolmentCode.objects.get(user=user).channel == "mail"
    admin = new_page(reader_context)  # a second browser, the administrator's
    sign_in_admin(admin, enrolment_staff.admins["mail"])
    code = issue_code(admin, user)

    secret = page.inner_text("code.otp-secret").replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    (device,) = [d for d in TOTPDevice.objects.filter(user=user, confirmed=False) if d.bin_key == key]
    page.fill("#id_enrolment_code", "1234")
    page.fill("#id_token", current_code(device))
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
    assert "8 位数字" in page.inner_text(".field-error")  # beside the field
    axe_failures(page, "setup, code refused", failures)
    page.fill("#id_enrolment_code", code)
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
    assert "只显示这一次" in page.content()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1  # bound
    axe_failures(page, "recovery codes", failures)
    assert not failures, "\n".join(failures)


def test_the_admins_page_with_an_issued_code(reader_context, enrolment_staff):
    page = new_page(reader_context)
    sign_in_admin(page, enrolment_staff.admins["no-mail"])
    issue_code(page, enrolment_staff.no_mail)  # the code, once
    failures = []
    axe_failures(page, "issued code", failures)
    assert not failures, "\n".join(failures)
