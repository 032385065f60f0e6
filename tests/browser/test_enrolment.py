"""A new member of staff binds the first authenticator in a browser: the password, then an
enrolment code with the authenticator's first code. The pages on the way are axe-clean, and so
is the admin's page showing an issued code."""

import base64
import json
import re

from axe_playwright_python.sync_playwright import AxeResults
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..staff import current_code, enrolment_code
from .conftest import STAFF_PASSWORD, STAFF_USER
from .test_axe import AXE_SCRIPT, WCAG_TAGS

OPTIONS = {"runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]}, "resultTypes": ["violations"]}


def axe_failures(page, url, failures):
    results = AxeResults(page.evaluate(f"axe.run(document, {json.dumps(OPTIONS)})"))
    if results.violations_count:
        failures.append(f"--- {url} ---\n{results.generate_report()}")


def sign_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")


def test_first_enrolment_with_an_enrolment_code(site, reader_context):
    user = get_user_model().objects.create_user("a11y-newcomer", "newcomer@example.com", STAFF_PASSWORD, is_staff=True)
    try:
        context = reader_context()
        context.add_init_script(path=AXE_SCRIPT)
        page = context.new_page()
        failures = []
        sign_in(page, "a11y-newcomer")
        assert "/accounts/2fa/setup/" in page.url  # the password alone binds nothing
        axe_failures(page, "setup", failures)

        with page.expect_navigation():
            page.click("button[name=send_code]")
        assert "n***@example.com" in page.inner_text("[role=status]")
        axe_failures(page, "setup, code sent", failures)
        # The mail goes when the request's transaction commits, which the shared test database
        # here never does (tests/security/test_enrolment_code.py reads it): an administrator's
        # code in its place, which replaces the mailed one.
        assert user.enrolment_code.channel == "mail"
        code = enrolment_code(user)

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
        axe_failures(page, "recovery codes", failures)
        assert not failures, "\n".join(failures)
    finally:
        user.delete()


def test_the_admins_page_with_an_issued_code(site, reader_context):
    user = get_user_model().objects.create_user("a11y-no-mail", password=STAFF_PASSWORD, is_staff=True)
    try:
        context = reader_context()
        context.add_init_script(path=AXE_SCRIPT)
        page = context.new_page()
        sign_in(page, STAFF_USER)
        page.fill("#id_token", current_code(TOTPDevice.objects.get(user__username=STAFF_USER)))
        with page.expect_navigation():
            page.click("form.login-form button[type=submit]")
        page.goto("/admin/auth/user/?q=a11y-no-mail")
        page.check(f"input[name=_selected_action][value='{user.pk}']")
        page.select_option("select[name=action]", "issue_enrolment_code")
        with page.expect_navigation():
            page.click("button[name=index]")
        assert re.search(r"\b\d{8}\b", page.inner_text("#content"))
        failures = []
        axe_failures(page, "issued code", failures)
        assert not failures, "\n".join(failures)
    finally:
        user.delete()
