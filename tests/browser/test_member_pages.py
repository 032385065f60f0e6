"""A committee member's own pages in 长者模式, on a desktop and at 320 px (400 %): sign-in,
我的建议提案, 满意度反馈 and 修改密码, with the errors of a form sent empty. They need a
signed-in member, so the public page list (public_urls.py) has none of them: this walk checks
them as test_axe, test_reflow and test_elder_mode check the rest."""

import pytest
from axe_playwright_python.sync_playwright import AxeResults

from proposals.demo import MEMBER_PASSWORD, MEMBER_USERNAME

from .conftest import watch_console
from .test_axe import AXE_SCRIPT, axe_options
from .test_elder_mode import ELDER, measure
from .test_reflow import OVERFLOW


@pytest.mark.parametrize(("width", "min_font"), [(1280, 20), (320, 18)], ids=["desktop", "narrow"])
def test_member_pages_in_elder_mode(site, reader_context, width, min_font):
    context = reader_context(reader=ELDER, width=width)
    context.add_init_script(path=AXE_SCRIPT)
    page = watch_console(context.new_page())
    problems = []

    def check(label):
        results = AxeResults(page.evaluate("options => axe.run(document, options)", axe_options("elder")))
        if results.violations_count:
            problems.append(f"--- {label} ---\n{results.generate_report()}")
        overflow = page.evaluate(OVERFLOW)
        if overflow["scroll"] > overflow["width"]:
            problems.append(f"{label}: scrolls sideways: {overflow}")
        result = measure(page, min_font)
        for key in ("small", "tight", "cramped", "smallMain", "smallOther"):
            problems.extend(f"{label}: {key}: {entry}" for entry in result[key])
        problems.extend(f"{label}: console: {error}" for error in page.console_errors)

    def send_empty(label, names):
        """The form sent with nothing chosen or typed: the summary takes the focus, and each
        of its links says which field it leads to (not Django's “这个字段是必填项。” each time)."""
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        assert page.evaluate("document.activeElement.className") == "error-summary", label
        assert page.locator(".error-summary a").all_inner_texts() == names, label
        check(label)

    page.goto("/accounts/login/")
    send_empty("登录（出错）", ["请填写用户名。", "请填写密码。"])
    page.fill("#id_username", MEMBER_USERNAME)
    page.fill("#id_password", MEMBER_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/proposals/mine/"), page.url
    check("我的建议提案")
    with page.expect_navigation():
        page.locator("main a", has_text="填写满意度").first.click()
    check("满意度反馈")
    send_empty("满意度反馈（出错）", ["请选择满意度。"])
    page.goto("/accounts/password_change/")
    check("修改密码")
    send_empty("修改密码（出错）", ["请填写旧密码。", "请填写新密码。", "请填写新密码确认。"])
    assert not problems, "\n".join(problems)
