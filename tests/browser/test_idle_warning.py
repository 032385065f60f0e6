"""The idle-timeout warning with JavaScript: two minutes before a staff session would end, an
alert offers 继续工作, which keeps the session (security/middleware.py, static/js/idle-timeout.js)."""

import pytest
from django.contrib.auth import get_user_model

from ..staff import authenticator, current_code

PASSWORD = "Idle-warning-2026"


@pytest.fixture(scope="module")
def idle_staff(site, django_db_blocker):
    # Committed (outside the test's transaction), so the live server sees it; `site` puts
    # the database back afterwards.
    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser("idle-staff", "", PASSWORD)
        return authenticator(user)


def test_the_warning_appears_before_the_end_and_continuing_keeps_the_session(reader_context, idle_staff):
    context = reader_context()
    page = context.new_page()
    page.clock.install()  # the page's timers run on a clock the test moves
    page.goto("/admin/login/")
    page.fill("#id_username", "idle-staff")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.fill("#id_token", current_code(idle_staff))
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
    assert page.url.endswith("/admin/")
    assert page.locator(".idle-notice time").is_visible()
    assert page.locator(".idle-warning").count() == 0

    # The time of activity is written at most once a minute (security/middleware.py), so the
    # session may end, and the warning come, up to a minute before 15 minutes after this page.
    page.clock.run_for("11:59")
    assert page.locator(".idle-warning").count() == 0
    page.clock.run_for("01:02")  # 13 minutes idle: 2 minutes before the end
    warning = page.locator("[role=alertdialog].idle-warning")
    assert warning.is_visible() and "自动退出登录" in warning.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "继续工作"
    with page.expect_response(lambda response: response.url.endswith("/accounts/2fa/session/")) as answer:
        page.click("text=继续工作")
    assert answer.value.status == 200 and "ends_at" in answer.value.json()
    page.wait_for_selector(".idle-warning", state="detached")
    page.goto("/admin/")
    assert page.url.endswith("/admin/")  # still signed in
