"""长者模式 measured in the browser: computed sizes, spacing and target boxes on every public
page type, 字号 and printing inside the mode, and the switch itself (persistence, no script)."""

import pytest

from .conftest import reader_cookie, watch_console

ELDER = "elder=1&toolbar=1"
MAIN_CONTROLS = (
    ".switch, .main-nav a, .a11y-toolbar button:not([hidden]), .toolbar-help, .font-switch a, .pagination a, "
    "main .button, main button, main select, main input[type=submit]"
)
# Sizes, spacing and boxes of what is shown, in CSS px; returns lists of offenders.
MEASURE = """({minFont, mainControls}) => {
  const px = value => parseFloat(value);
  const shown = el => {
    if (el.closest('svg, .visually-hidden, [hidden], script, style, noscript, template')) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const name = el => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''} "${(el.textContent || el.value || '').trim().slice(0, 16)}"`;
  const ownText = el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const all = [...document.body.querySelectorAll('*')].filter(shown);
  const text = all.filter(ownText);
  const small = text.filter(el => px(getComputedStyle(el).fontSize) < minFont - 0.01)
    .map(el => `${name(el)} ${getComputedStyle(el).fontSize}`);
  const reading = all.filter(el => el.closest('main') && el.matches('p, li, td, th, dd, dt, label, caption, figcaption, blockquote') && ownText(el));
  const tight = reading.filter(el => { const s = getComputedStyle(el); return !(px(s.lineHeight) / px(s.fontSize) >= 1.5); })
    .map(el => `${name(el)} ${getComputedStyle(el).lineHeight}/${getComputedStyle(el).fontSize}`);
  const paragraphs = [...document.querySelectorAll('main p')].filter(shown);
  let pairs = 0;
  const cramped = [];
  for (const p of paragraphs) {
    const next = p.nextElementSibling;
    if (!next || next.tagName !== 'P' || !shown(next)) continue;
    pairs += 1;
    const gap = next.getBoundingClientRect().top - p.getBoundingClientRect().bottom;
    const line = px(getComputedStyle(p).lineHeight);
    if (gap < 1.3 * line - 0.5) cramped.push(`${name(p)} gap ${gap.toFixed(1)} < 1.3 x ${line}`);
  }
  const size = el => el.getBoundingClientRect();
  const main = [...document.querySelectorAll(mainControls)].filter(shown);
  const smallMain = main.filter(el => size(el).width < 59.5 || size(el).height < 59.5)
    .map(el => `${name(el)} ${size(el).width.toFixed(1)}x${size(el).height.toFixed(1)}`);
  // Alone in its line or cell, or beside a button (清除条件, 返回: the form's other way out).
  const standaloneLinks = all.filter(el => el.matches('a[href]') && (el.matches('button + a')
    || el.parentElement.matches('li, td, th, dd, p, span') && el.parentElement.textContent.trim() === el.textContent.trim()));
  const others = all.filter(el => el.matches('button, select, textarea, summary, input:not([type=hidden], [type=checkbox], [type=radio])'))
    .concat(standaloneLinks);
  const smallOther = others.filter(el => size(el).width < 43.5 || size(el).height < 43.5)
    .map(el => `${name(el)} ${size(el).width.toFixed(1)}x${size(el).height.toFixed(1)}`);
  return {
    bodyFont: px(getComputedStyle(document.body).fontSize), textCount: text.length, small, tight,
    pairs, cramped, mainCount: main.length, smallMain, otherCount: others.length, smallOther,
  };
}"""


MAIN_TEXT_SIZES = """() => [...document.querySelectorAll('main *')]
  .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && !el.closest('svg'))
  .map(el => [el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 12) + '"', parseFloat(getComputedStyle(el).fontSize)])"""


def measure(page, min_font):
    return page.evaluate(MEASURE, {"minFont": min_font, "mainControls": MAIN_CONTROLS})


@pytest.mark.parametrize(("width", "min_font"), [(1280, 20), (320, 18)], ids=["desktop", "narrow"])
def test_elder_mode_meets_its_numbers_on_every_page_type(site, reader_context, width, min_font):
    page = watch_console(reader_context(reader=ELDER, width=width).new_page())
    normal = reader_context(width=width).new_page() if width > 800 else None
    problems = []
    totals = {"pairs": 0, "mainCount": 0, "otherCount": 0}
    for item in site.pages:
        page.goto(item.url)
        result = measure(page, min_font)
        if normal:
            # Larger everywhere, never smaller: the same text in the same order, size by size.
            normal.goto(item.url)
            for (name, elder_size), (_, normal_size) in zip(
                page.evaluate(MAIN_TEXT_SIZES), normal.evaluate(MAIN_TEXT_SIZES)
            ):
                if elder_size < normal_size - 0.01:
                    problems.append(f"{item}: shrinks in elder mode: {name} {normal_size} -> {elder_size}")
        else:
            # At 320 px this walk is also the reflow check for elder mode (test_reflow.py: the rest).
            width_now = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width_now[0] > width_now[1]:
                problems.append(f"{item}: scrolls sideways at {width} px: {width_now}")
        assert result["bodyFont"] >= min_font, item
        for key in totals:
            totals[key] += result[key]
        for key in ("small", "tight", "cramped", "smallMain", "smallOther"):
            problems += [f"{item}: {key}: {entry}" for entry in result[key]]
    assert not problems, "\n".join(problems)
    # The walk measured something: paragraphs, main controls and other controls on the way.
    assert totals["pairs"] > 10 and totals["mainCount"] > 100 and totals["otherCount"] > 100, totals


def test_record_font_sizes_keep_working_in_elder_mode(site, reader_context):
    url = site.seed.get_absolute_url()
    sizes = {}
    for mode, cookie in {"normal": "", "elder": "elder=1"}.items():
        page = reader_context(reader=cookie).new_page()
        for size in ("small", "", "medium", "large"):
            page.goto(f"{url}?size={size}" if size else url)
            sizes[mode, size] = page.evaluate(
                "parseFloat(getComputedStyle(document.querySelector('.record-body p')).fontSize)"
            )
    assert sizes["normal", "small"] < sizes["normal", "medium"] < sizes["normal", "large"]
    assert sizes["elder", "small"] < sizes["elder", "medium"] < sizes["elder", "large"]
    assert sizes["elder", ""] == sizes["elder", "small"] == 20
    assert sizes["elder", "large"] == 25
    for size in ("small", "medium", "large"):
        assert sizes["elder", size] > sizes["normal", size]


def test_printing_keeps_the_large_type(site, reader_context):
    page = reader_context(reader="elder=1", width=700).new_page()
    page.goto(site.seed.get_absolute_url() + "?size=large")
    page.emulate_media(media="print")
    printed = page.evaluate("""() => ({
        body: parseFloat(getComputedStyle(document.body).fontSize),
        record: parseFloat(getComputedStyle(document.querySelector('.record-body p')).fontSize),
        header: getComputedStyle(document.querySelector('.site-header')).display,
    })""")
    assert printed == {"body": 20, "record": 25, "header": "none"}


def test_elder_switch_works_without_javascript_and_persists(site, reader_context):
    page = reader_context(js=False).new_page()
    page.goto("/disclosures/")
    switch = page.get_by_role("button", name="长者模式")
    assert switch.get_attribute("aria-pressed") == "false"
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"

    with page.expect_navigation():
        switch.click()
    assert page.url.endswith("/disclosures/")  # back where the reader was
    assert reader_cookie(page) == "elder=1"
    assert page.evaluate("document.documentElement.className") == "elder"
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"

    # Survives navigation, and the first bytes of every page already carry the mode: no flash.
    response = page.goto(site.seed.get_absolute_url())
    assert '<html lang="zh-CN" class="elder">' in response.text()
    with page.expect_navigation():  # measured before the next page has a body, it fails at random
        page.get_by_role("link", name="网站地图").click()
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert page.get_by_role("button", name="长者模式").get_attribute("aria-pressed") == "true"

    # The way back: the same switch, in the same place.
    with page.expect_navigation():
        page.get_by_role("button", name="长者模式").click()
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"
    assert reader_cookie(page) == ""


def test_elder_switch_applies_in_place_with_javascript_and_the_server_agrees(site, reader_context):
    page = watch_console(reader_context().new_page())
    page.goto("/")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_role("button", name="长者模式").click()
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert page.get_by_role("button", name="长者模式").get_attribute("aria-pressed") == "true"
    assert navigations == []  # no reload
    assert reader_cookie(page) == "elder=1"

    response = page.goto("/disclosures/guide/")
    assert '<html lang="zh-CN" class="elder">' in response.text()
    assert page.get_by_role("button", name="长者模式").get_attribute("aria-pressed") == "true"
    assert page.locator(".elder-switch .switch-state").inner_text() == "开"
    page.get_by_role("button", name="长者模式").click()
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"
    assert page.locator(".elder-switch .switch-state").inner_text() == "关"
    assert not page.console_errors


def test_errors_stay_on_the_form_when_elder_mode_is_switched_on_without_javascript(site, reader_context):
    """A reader sent back with errors who turns on 长者模式 to read them (JavaScript off: the
    button posts what was typed and the page comes back as typed) found the typed text but no
    error summary and no message beside the fields: nothing said any more what to correct."""
    page = reader_context(js=False).new_page()
    for path, field, message in [
        ("/disclosures/apply/status/", "#id_query_code", "请填写联系电话或证件号码后4位。"),
        ("/disclosures/apply/", "#id_name", "请填写证件号码。"),
    ]:
        page.goto(path)
        page.fill(field, "张三" if field == "#id_name" else "ABCD-EFGH-JKLM")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        assert page.locator(".error-summary").count() == 1, path
        with page.expect_navigation():
            page.get_by_role("button", name="长者模式").click()
        assert page.evaluate("document.documentElement.className") == "elder", path
        assert page.input_value(field) in ("张三", "ABCD-EFGH-JKLM"), path  # as typed
        assert page.title().startswith("填写有误，请修改 - "), path
        assert message in page.locator(".error-summary").inner_text(), path
        assert page.locator(".field-error .errorlist").count() >= 1, path
        # The way back keeps them too, and a form that was never sent shows none.
        with page.expect_navigation():
            page.get_by_role("button", name="长者模式").click()
        assert page.locator(".error-summary").count() == 1, path
    page.goto("/disclosures/apply/status/")
    page.fill("#id_query_code", "ABCD")
    with page.expect_navigation():
        page.get_by_role("button", name="长者模式").click()
    assert page.locator(".error-summary").count() == 0
    assert not page.title().startswith("填写有误")
