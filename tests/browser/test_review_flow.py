"""三审 in a browser, as `make run` offers it: the demo 录入员 signs in (password and authenticator
code), writes a record on the change form and submits it, previews it, the demo 初审, 复审 and 终审
reviewers each sign in and approve it, and readers then find it in the public catalogue."""

import json
import re

from axe_playwright_python.sync_playwright import AxeResults
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosures import demo

from ..staff import current_code
from .test_axe import AXE_SCRIPT, axe_options

TITLE = "关于开展社区议事协商浏览器试点工作的通知"
PASSWORDS = {username: password for username, _, _, _, password in demo.STAFF}


def axe_violations(page, selector="document"):
    """axe (WCAG 2.2 AA) on the page, or only on the part `selector` picks (the review panel:
    the rest of the change form is Django's, checked in test_admin.py)."""
    target = "document" if selector == "document" else f"document.querySelector({json.dumps(selector)})"
    results = AxeResults(page.evaluate(f"axe.run({target}, {json.dumps(axe_options('normal'))})"))
    return results.generate_report() if results.violations_count else ""


def sign_in(reader_context, username):
    context = reader_context()
    context.add_init_script(path=AXE_SCRIPT)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert "/accounts/2fa/verify/" in page.url  # the demo accounts come with an authenticator bound
    page.fill("#id_token", current_code(TOTPDevice.objects.get(user__username=username)))
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
    assert re.search(r"/admin/$", page.url), page.url
    return page


def choose(page, field, text):
    """Pick `text` in an autocomplete (select2) box by typing, as a person does."""
    page.click(f"#id_{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f'.select2-results__option:text-is("{text}")')


def test_a_record_is_written_submitted_reviewed_at_three_levels_and_published(site, reader_context):
    page = sign_in(reader_context, "demo-clerk")
    page.goto("/admin/disclosures/disclosurerecord/add/")
    page.fill("#id_title", TITLE)
    choose(page, "publisher", "昆明市官渡区人民政府")
    choose(page, "topic", "综合政务")
    page.fill("#id_written_date", "2026-12-01")
    page.fill("#id_keywords", "社区、协商")
    page.get_by_role("textbox", name="正文").click()  # the rich-text editor (disclosures/editor.py)
    page.keyboard.type("各街道：")
    page.keyboard.press("Enter")
    page.keyboard.type("现就开展社区议事协商试点工作通知如下。")
    page.fill("#id_review_comment", "请审核")
    with page.expect_navigation():
        page.click("button[name=_review][value=submit]")
    assert "已保存并提交初审" in page.inner_text(".messagelist")
    assert "待审核" in page.inner_text("#content-main")
    assert axe_violations(page, ".review-panel") == ""

    # The preview: the public page as it will look, marked 预览.
    with page.expect_navigation():
        page.click("a.viewlink:text-is('预览')")
    assert page.inner_text("h1#record-title") == TITLE and "预览" in page.inner_text(".preview-notice")
    assert axe_violations(page) == ""

    for username, stage, then in [
        ("demo-first", "初审", "转复审"),
        ("demo-second", "复审", "转终审"),
        ("demo-final", "终审", "已发布"),
    ]:
        page = sign_in(reader_context, username)
        page.goto("/admin/disclosures/disclosurerecord/?status__exact=pending")
        with page.expect_navigation():
            page.click(f"a:text-is('{TITLE}')")
        if stage == "初审":  # the panel with the comment box and the review buttons
            assert axe_violations(page, ".review-panel") == ""
        page.fill("#id_review_comment", f"{stage}同意")
        with page.expect_navigation():
            page.click("button[name=_review][value=approve]")
        message = page.inner_text(".messagelist")
        assert f"{stage}通过" in message and then in message, message
        assert f"{stage}同意" in page.inner_text(".review-trail")

    reader = reader_context().new_page()
    reader.goto("/disclosures/")
    with reader.expect_navigation():
        reader.click(f"a:text-is('{TITLE}')")
    assert reader.inner_text("h1#record-title") == TITLE
    assert "现就开展社区议事协商试点工作通知如下。" in reader.inner_text(".record-body")
    assert "预览" not in reader.inner_text("main")
