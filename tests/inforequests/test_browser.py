"""The whole applicant path in a real browser, JavaScript off and 长者模式 on, axe clean."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from inforequests.models import Case
from tests.browser.conftest import close_settled
from tests.browser.test_axe import axe_options
from tests.staff import sign_in_staff

from .factories import ADDRESS, APPLICANT_NAME, PERSON_ID, PHONE, AgencyFactory, staff_page_urls


def axe_clean(page):
    results = Axe().run(page, options=axe_options("elder"))
    assert not results.violations_count, results.generate_report()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_apply_confirm_receipt_and_status_without_javascript_in_elder_mode(browser, live_server):
    agency = AgencyFactory().organization
    # JavaScript off for the applicant; axe runs in its own (JavaScript) context on the same pages.
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", base_url=live_server.url)
    context.add_cookies([{"name": "reader", "value": "elder=1", "url": live_server.url}])
    checker = browser.new_context(locale="zh-CN", base_url=live_server.url)
    checker.add_cookies([{"name": "reader", "value": "elder=1", "url": live_server.url}])
    page, check = context.new_page(), checker.new_page()

    def audit(html):
        check.set_content(html.replace("<head>", f'<head><base href="{live_server.url}/">', 1))
        axe_clean(check)

    page.goto("/disclosures/apply/")
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    audit(page.content())
    page.select_option("#id_agency", str(agency.pk))
    page.check("input[name=applicant_type][value=person]")
    page.fill("#id_name", APPLICANT_NAME)
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", PERSON_ID[:-1] + "1")  # a wrong check character
    page.fill("#id_phone", PHONE)
    page.fill("#id_address", ADDRESS)
    page.fill("#id_title", "2026年道路养护计划")
    page.fill("#id_description", "区交通局发布的道路养护计划全文。")
    page.check("input[name=delivery][value=electronic]")
    page.click("button[type=submit]:has-text('下一步')")
    # The error is in the summary and beside the field; everything typed is still there.
    assert page.locator(".error-summary").inner_text().count("校验码不正确") == 1
    assert "校验码不正确" in page.locator("#id_id_number_error").inner_text()
    assert page.input_value("#id_address") == ADDRESS
    audit(page.content())
    page.fill("#id_id_number", PERSON_ID)
    # 长者模式 off and on again, JavaScript off: the page comes back as typed, not emptied.
    page.fill("#id_document_number", "官交通〔2026〕3号")
    for mode in ("", "elder"):
        page.click("button[name=elder]")
        assert (page.locator("html").get_attribute("class") or "") == mode
        assert page.input_value("#id_document_number") == "官交通〔2026〕3号"
        assert page.input_value("#id_id_number") == PERSON_ID and page.is_checked("input[value=electronic]")
        assert page.locator(".error-summary").count() == 0  # shown again, not checked
    page.press("#id_document_number", "Enter")  # Enter sends the form, not the first lent button
    assert page.locator("h1").inner_text() == "请核对您的申请"
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    audit(page.content())
    page.click("button[name=toolbar]")  # and on the confirmation page
    assert page.locator("h1").inner_text() == "请核对您的申请" and "官交通〔2026〕3号" in page.content()
    page.click("button[name=toolbar]")
    page.click("button:has-text('确认提交')")
    assert page.locator("h1").inner_text() == "政府信息公开申请受理回执"
    code = page.locator(".query-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert page.locator("button[data-print]").is_hidden()  # it needs script: no dead button
    audit(page.content())
    page.goto("/disclosures/apply/status/")
    page.fill("#id_query_code", code)
    page.fill("#id_tail", "0000")
    page.click("button:has-text('查询')")
    assert "未查到相符的申请" in page.content()
    audit(page.content())
    page.fill("#id_tail", PHONE[-4:])
    page.click("button:has-text('查询')")
    case = Case.objects.get()
    assert case.number in page.locator("h1").inner_text() and "已登记" in page.content()
    assert APPLICANT_NAME not in page.content() and PERSON_ID not in page.content()
    audit(page.content())
    page.click("button[name=elder]")  # the result comes back in the standard layout, not a blank form
    assert case.number in page.locator("h1").inner_text()
    assert "elder" not in (page.locator("html").get_attribute("class") or "")
    page.click("button[name=elder]")
    assert Case.objects.count() == 1  # the preference changes sent nothing
    close_settled(context)
    close_settled(checker)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_with_javascript_a_preference_on_the_form_changes_in_place(browser, live_server):
    """The buttons belong to the application form while it is shown; reader.js still takes
    them, and the form's own button still sends it."""
    agency = AgencyFactory().organization
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.goto("/disclosures/apply/")
    page.fill("#id_name", APPLICANT_NAME)
    page.click("button[name=elder]")
    page.wait_for_function("document.documentElement.classList.contains('elder')")
    assert page.input_value("#id_name") == APPLICANT_NAME and page.url.endswith("/disclosures/apply/")
    page.select_option("#id_agency", str(agency.pk))
    page.press("#id_name", "Enter")  # the form's own default, not 长者模式
    assert page.locator(".error-summary").count() == 1  # sent and checked: the rest is missing
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    close_settled(context)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_with_javascript_the_receipt_has_a_print_button(browser, live_server):
    """The 查询码 is never sent again: the receipt offers to print it (elderly applicants often
    do not know the browser's print command)."""
    from django.conf import settings
    from django.test import Client

    from .test_public import confirm, form_data

    client = Client()
    assert confirm(client, form_data(AgencyFactory().organization)).status_code == 302
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto("/disclosures/apply/receipt/")
    page.evaluate("window.print = function () { window.printed = true; }")  # no dialog in a test
    button = page.get_by_role("button", name="打印回执")
    button.wait_for(state="visible")
    button.click()
    assert page.evaluate("window.printed === true")
    axe_clean(page)
    close_settled(context)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_pages_are_axe_clean(browser, live_server):
    import datetime as dt

    from django.conf import settings
    from django.test import Client

    from inforequests import services

    from .factories import make_case, staff_user

    case = make_case(received_on=dt.date(2026, 9, 18))
    services.case_extend(case=case, days=5, approver="王主任", reason="档案多", on=dt.date(2026, 10, 1))
    # Both steps passed: with the password alone every staff page leads to 绑定身份验证器, and
    # that page was all this test scanned.
    client = sign_in_staff(Client(), staff_user("axe-clerk", case.agency))
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": "reader", "value": "elder=1", "url": live_server.url},
        ]
    )
    page = context.new_page()
    for url in staff_page_urls(case):
        response = page.goto(url)
        assert response.status == 200 and page.url.endswith(url), (url, page.url)
        axe_clean(page)
    # And the queue's search, typed and sent: a case found, and nothing found.
    for typed in (PHONE, "13800000000"):
        page.goto("/disclosures/apply/staff/")
        page.get_by_role("searchbox", name="查找申请").fill(typed)
        with page.expect_navigation():
            page.get_by_role("button", name="查找").click()
        assert "search=" in page.url and typed not in page.url
        axe_clean(page)
    close_settled(context)
