"""The main navigation (components/main_nav.html): on a phone it folds behind 导航菜单, a real
button that the keyboard opens and Escape closes, in every reading mode, folded from the first
paint (static/js/head.js, inlined in <head>), not once reader.js has run; on a wide screen, and
on any screen without JavaScript or without the stylesheet, every section is shown and there is no
button; at 320 px, in 长者模式 too, the button opens every section."""

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import AxeResults

from core.navigation import site_sections

from .conftest import wait_until, watch_console
from .test_axe import AXE_SCRIPT, axe_options

PHONE = {"width": 375, "height": 667}
MODES = {
    "normal": "",
    "elder": "elder=1",
    "contrast-yb": "contrast=yb",
    "contrast-wb": "contrast=wb&font_step=4&text_only=1",
}
FOCUS = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {text: el.textContent.trim(), inNav: !!el.closest('.main-nav'),
          outline: style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0};
}"""
# Top of each section's row, for links that are shown.
ROW_TOPS = "() => [...document.querySelectorAll('.main-nav li')].filter(li => li.getClientRects().length).map(li => Math.round(li.getBoundingClientRect().top))"


def toggle(page):
    return page.get_by_role("button", name="导航菜单", exact=True)


def nav_links(page):
    return page.locator("#main-nav-list a")


def follow(page, action, path):
    """`action` leads to `path`: waits for that page to load. (A glob such as "**/" would match
    the page we are on, and the test would end, its context closed, while chromium is still
    navigating: chromium then never answers the close.)"""
    with page.expect_navigation(url=lambda url: urlsplit(url).path == path):
        action()


def axe_violations(page, mode):
    results = AxeResults(page.evaluate("options => axe.run(document, options)", axe_options(mode)))
    return results.generate_report() if results.violations_count else ""


@pytest.mark.parametrize("mode", MODES)
def test_on_a_phone_the_nav_folds_behind_a_button_the_keyboard_opens_and_escape_closes(site, reader_context, mode):
    context = reader_context(reader=MODES[mode], **PHONE)
    context.add_init_script(path=AXE_SCRIPT)
    page = watch_console(context.new_page())
    page.goto("/disclosures/")
    button = toggle(page)
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "main-nav-list"
    assert page.locator("#main-nav-list").is_hidden()
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= (60 if mode == "elder" else 44), box

    # The content starts on the first screen, one button's row below the header.
    nav_height = page.locator(".main-nav").bounding_box()["height"]
    assert nav_height <= box["height"] + 40, nav_height
    assert page.locator("main h1").bounding_box()["y"] + 40 <= PHONE["height"]
    report = axe_violations(page, mode)
    assert not report, report

    # After the header's switches comes the button, then (once opened) the sections.
    page.get_by_role("button", name="无障碍浏览").focus()
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS)
    assert focus["text"] == "导航菜单" and focus["outline"] >= 3, focus
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert nav_links(page).count() == len(site_sections())
    assert all(link.is_visible() for link in nav_links(page).all())
    report = axe_violations(page, mode)
    assert not report, report
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS)
    assert focus["inNav"] and focus["text"] == site_sections()[0]["title"], focus

    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert page.locator("#main-nav-list").is_hidden()
    assert page.evaluate("document.activeElement.textContent") == "导航菜单"

    page.keyboard.press("Space")  # a real button: Space as well as Enter, and it toggles
    assert button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Space")
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.console_errors  # e.g. a CSP refusal


def test_on_a_wide_screen_every_section_is_shown_in_one_row_and_no_button(site, reader_context):
    page = watch_console(reader_context(**PHONE).new_page())
    page.goto("/disclosures/")
    page.set_viewport_size({"width": 1280, "height": 900})
    # Script runs (html.js) but the screen is wide: nothing folds.
    assert page.evaluate("document.documentElement.classList.contains('js')")
    assert toggle(page).is_hidden()
    assert all(link.is_visible() for link in nav_links(page).all())
    # One row (with a CJK font: the ten sections need the narrower padding; fallback glyphs are narrower still).
    assert len(set(page.evaluate(ROW_TOPS))) == 1
    page.keyboard.press("Escape")
    assert all(link.is_visible() for link in nav_links(page).all())

    # Back on a phone the list is folded again.
    page.set_viewport_size(PHONE)
    assert page.locator("#main-nav-list").is_hidden() and toggle(page).is_visible()
    assert not page.console_errors


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_on_a_phone_the_nav_is_folded_from_the_first_paint_not_once_reader_js_has_run(site, reader_context, mode):
    context = reader_context(reader=MODES[mode], **PHONE)
    context.add_init_script(path=AXE_SCRIPT)
    held = []  # reader.js, held back: the page as a phone paints it while the script is on its way
    context.route("**/js/reader*.js", lambda route: held.append(route))
    page = watch_console(context.new_page())
    page.goto("/disclosures/", wait_until="commit")
    # Parsed and styled; the deferred reader.js, held, has not run (DOMContentLoaded waits for it).
    wait_until(page, "document.readyState === 'interactive' && !!document.querySelector('link[rel=stylesheet]').sheet")
    page.evaluate("() => new Promise(painted => requestAnimationFrame(() => requestAnimationFrame(painted)))")
    assert len(held) == 1 and page.evaluate("document.readyState") == "interactive"

    button = toggle(page)
    assert page.locator("#main-nav-list").is_hidden()
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    heading, button_box = page.locator("main h1").bounding_box(), button.bounding_box()
    report = axe_violations(page, mode)
    assert not report, report
    # The button works before reader.js arrives.
    button.click()
    assert button.get_attribute("aria-expanded") == "true" and nav_links(page).first.is_visible()
    button.click()
    assert page.locator("#main-nav-list").is_hidden()

    for route in held:
        route.continue_()
    page.wait_for_load_state("load")
    # reader.js has run: nothing moved, nothing folded or unfolded, and one click is one toggle.
    assert page.evaluate("document.readyState") == "complete"
    assert page.locator("main h1").bounding_box() == heading
    assert button.bounding_box() == button_box
    assert button.get_attribute("aria-expanded") == "false" and page.locator("#main-nav-list").is_hidden()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert all(link.is_visible() for link in nav_links(page).all())
    assert not page.console_errors  # e.g. the policy refusing the inline script


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_without_javascript_a_phone_shows_every_section_and_no_button(site, open_page, mode):
    page = open_page("/disclosures/", reader=MODES[mode], js=False, **PHONE)
    # The button is in the page for the script; without it, it could do nothing and is not shown.
    assert page.locator(".main-nav .nav-toggle").count() == 1
    assert toggle(page).is_hidden()
    assert nav_links(page).count() == len(site_sections())
    assert all(link.is_visible() for link in nav_links(page).all())
    # In the tab order straight after the header's switches, and they lead where they say.
    page.get_by_role("button", name="无障碍浏览").focus()
    page.keyboard.press("Tab")
    first = site_sections()[0]
    assert page.evaluate("document.activeElement.textContent") == first["title"]
    follow(page, nav_links(page).last.click, site_sections()[-1]["url"])
    assert page.locator("#main-nav-list").is_visible()


SMALLEST = {"width": 320, "height": 640}


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_without_the_stylesheet_there_is_no_button_and_every_section_is_reachable(site, reader_context, mode, js):
    """CSS off (a reader's own choice, or the stylesheet not arriving), with or without script: nothing
    would fold the list, so a 导航菜单 button could only do nothing, or say 'collapsed' of links that are
    shown. It is not shown and not in the accessibility tree; the sections are, in the tab order."""
    context = reader_context(reader=MODES[mode], js=js, **SMALLEST)
    context.route("**/*.css", lambda route: route.fulfill(status=200, content_type="text/css", body=""))
    page = context.new_page()
    page.goto("/disclosures/")
    # No author styles: the navigation's background is the browser's own.
    assert page.evaluate("getComputedStyle(document.querySelector('.main-nav')).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert page.evaluate("document.documentElement.classList.contains('js')") == js
    assert page.locator(".main-nav .nav-toggle").is_hidden()
    assert toggle(page).count() == 0
    assert nav_links(page).count() == len(site_sections())
    assert all(link.is_visible() for link in nav_links(page).all())
    page.get_by_role("button", name="无障碍浏览").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == site_sections()[0]["title"]
    follow(page, nav_links(page).last.click, site_sections()[-1]["url"])


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_at_320_px_the_button_opens_every_section_without_sideways_scrolling(site, reader_context, mode):
    page = watch_console(reader_context(reader=MODES[mode], **SMALLEST).new_page())
    page.goto("/disclosures/")
    button = toggle(page)
    assert button.is_visible() and page.locator("#main-nav-list").is_hidden()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert all(link.is_visible() for link in nav_links(page).all())
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALLEST["width"]
    # The sections lead where they say, opened with the keyboard.
    button.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == site_sections()[0]["title"]
    follow(page, lambda: page.keyboard.press("Enter"), site_sections()[0]["url"])
    assert not page.console_errors
