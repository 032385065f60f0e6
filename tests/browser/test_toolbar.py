"""The 无障碍浏览 toolbar in the browser: every control applies in place with JavaScript,
persists in the cookie, is rendered by the server on the next page, and works without script."""

from core.templatetags.components import alt_text

from .conftest import reader_cookie, watch_console

TOGGLES = [
    ("大鼠标", "big_cursor", "big-cursor"),
    ("十字线", "guide", "reading-guide"),
    ("纯文本", "text_only", "text-only"),
    ("黑底黄字", "contrast", "contrast-yb"),
    ("白底黑字", "contrast", "contrast-wb"),
]


def classes(page):
    return set(page.evaluate("document.documentElement.className").split())


def button(page, label):
    return page.locator("#a11y-toolbar").get_by_role("button", name=label, exact=True)


def root_font(page):
    return page.evaluate("getComputedStyle(document.documentElement).fontSize")


def open_toolbar(page):
    page.get_by_role("button", name="无障碍浏览").click()
    assert page.locator("#a11y-toolbar").is_visible()
    assert page.get_by_role("button", name="无障碍浏览").get_attribute("aria-expanded") == "true"


def test_every_toggle_applies_in_place_and_the_server_renders_it_next_time(site, reader_context):
    page = watch_console(reader_context().new_page())
    page.goto("/disclosures/")
    open_toolbar(page)
    assert reader_cookie(page) == "toolbar=1"
    for label, name, css_class in TOGGLES:
        # The tick drawn for the pressed state is not part of the name (exact match).
        button(page, label).click()
        assert button(page, label).get_attribute("aria-pressed") == "true", label
        assert css_class in classes(page), label
        assert f"{name}=" in reader_cookie(page), label

        response = page.reload()
        assert css_class in response.text().split('class="', 1)[1].split('"', 1)[0], label
        assert button(page, label).get_attribute("aria-pressed") == "true", label
        assert page.locator("#a11y-toolbar").is_visible()  # stays open across pages

        button(page, label).click()
        assert button(page, label).get_attribute("aria-pressed") == "false", label
        assert css_class not in classes(page), label
    assert reader_cookie(page) == "toolbar=1"
    assert not page.console_errors


def test_high_contrast_schemes_recolour_the_page_and_exclude_each_other(site, reader_context):
    page = reader_context(reader="toolbar=1").new_page()
    page.goto("/")
    colours = "() => [document.body, document.querySelector('.site-header'), document.querySelector('main a')].map(e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor])"
    button(page, "黑底黄字").click()
    body, header, link = page.evaluate(colours)
    assert body == header == ["rgb(255, 255, 0)", "rgb(0, 0, 0)"]
    assert link[0] == "rgb(255, 255, 0)"
    button(page, "白底黑字").click()
    assert button(page, "黑底黄字").get_attribute("aria-pressed") == "false"
    assert {"contrast-wb"} == {c for c in classes(page) if c.startswith("contrast")}
    body, header, link = page.evaluate(colours)
    assert body == header == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    assert reader_cookie(page) == "contrast=wb&toolbar=1"


def test_text_size_steps_are_rem_based_and_bounded(site, reader_context):
    page = reader_context(reader="toolbar=1").new_page()
    page.goto("/")
    status = page.locator('[data-status="size"]')
    assert root_font(page) == "16px"
    button(page, "文字放大").click()
    button(page, "文字放大").click()
    assert root_font(page) == "20px"  # 125 %: every rem-sized box grows with it
    assert status.inner_text() == "当前 125%"
    assert page.evaluate("getComputedStyle(document.querySelector('.switch')).minHeight") == "55px"  # 2.75rem
    for _ in range(2):
        button(page, "文字放大").click()
    assert root_font(page) == "24px"
    assert button(page, "文字放大").get_attribute("aria-disabled") == "true"
    button(page, "文字放大").press("Enter")  # at the limit (aria-disabled): says so, changes nothing
    assert root_font(page) == "24px" and "已是最大字号" in status.inner_text()
    assert page.reload().text().count('class="font-step-4"') == 1

    button(page, "默认大小").click()
    button(page, "文字缩小").click()
    button(page, "文字缩小").click()
    assert root_font(page) == "12px"
    assert button(page, "文字缩小").get_attribute("aria-disabled") == "true"

    # In 长者模式 the base is the floor: the reader cannot shrink below 20 px body text.
    page.get_by_role("button", name="长者模式").click()
    assert root_font(page) == "16px"
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert button(page, "文字缩小").get_attribute("aria-disabled") == "true"
    button(page, "文字放大").click()
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "22.5px"


def test_reset_all_restores_the_defaults_and_keeps_the_toolbar_open(site, reader_context):
    page = reader_context(
        reader="elder=1&font_step=3&contrast=yb&big_cursor=1&guide=1&text_only=1&toolbar=1"
    ).new_page()
    page.goto("/sitemap/")
    button(page, "全部重置").click()
    assert classes(page) == {"js"}  # not a reading class: set in <head> (static/js/head.js), kept
    assert page.locator("#a11y-toolbar").is_visible()
    assert reader_cookie(page) == "toolbar=1"
    assert page.locator("[aria-pressed=true]").count() == 0
    assert page.reload().text().count('<html lang="zh-CN" class="">') == 1


def test_big_cursor_guide_lines_and_text_only_do_what_they_say(site, reader_context):
    page = reader_context(reader="toolbar=1").new_page()
    page.goto("/accessibility/")
    button(page, "大鼠标").click()
    assert "cursor-arrow.svg" in page.evaluate("getComputedStyle(document.querySelector('main p')).cursor")
    assert "cursor-hand.svg" in page.evaluate("getComputedStyle(document.querySelector('main a')).cursor")

    button(page, "十字线").click()
    page.mouse.move(200, 300)
    page.wait_for_function("() => document.querySelector('.reading-guide-line.horizontal').style.top === '300px'")
    assert page.evaluate("document.querySelector('.reading-guide-line.vertical').style.left") == "200px"
    assert page.locator(".reading-guide-line").first.get_attribute("aria-hidden") == "true"
    button(page, "十字线").click()
    assert page.locator(".reading-guide-line").count() == 0

    # a picture as the server writes it in rich text: followed by its alt text for 纯文本
    picture = '<img src="/static/img/cursor-hand.svg" alt="示意图">' + str(alt_text("示意图"))
    page.evaluate("html => document.querySelector('main h1').insertAdjacentHTML('afterend', html)", picture)
    assert page.locator("main .alt-text").is_hidden()  # screen readers read the picture's alt
    button(page, "纯文本").click()
    assert page.locator("main img").is_hidden()
    assert page.locator("main .alt-text").is_visible()
    assert page.locator("main .alt-text").inner_text() == "［图片：示意图］"
    button(page, "纯文本").click()
    assert page.locator("main img").is_visible()
    assert page.locator("main .alt-text").is_hidden()


def test_toolbar_works_without_javascript(site, reader_context):
    page = reader_context(js=False).new_page()
    page.goto("/disclosures/guide/")
    assert page.locator("#a11y-toolbar").is_hidden()
    with page.expect_navigation():
        page.get_by_role("button", name="无障碍浏览").click()
    assert page.url.endswith("/disclosures/guide/")
    assert page.locator("#a11y-toolbar").is_visible()
    assert page.locator("[data-requires-speech]").is_hidden()  # speech needs script: not offered
    for label, css_class in (("黑底黄字", "contrast-yb"), ("文字放大", "font-step-1"), ("纯文本", "text-only")):
        with page.expect_navigation():
            button(page, label).click()
        assert css_class in classes(page), label
        # Back where the reader was: the next Tab stays in the toolbar, not at the page's top.
        assert page.url.endswith("/disclosures/guide/#a11y-toolbar"), page.url
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('#a11y-toolbar')"), label
    assert button(page, "黑底黄字").get_attribute("aria-pressed") == "true"
    with page.expect_navigation():
        button(page, "全部重置").click()
    assert classes(page) == set()
    assert page.locator("#a11y-toolbar").is_visible()


# Speech: headless chromium has speechSynthesis but no voices, so every utterance fails
# with "synthesis-failed". The spy records what the page asks for and passes it on.
SPY = """(() => {
  window.spoken = [];
  const real = speechSynthesis.speak.bind(speechSynthesis);
  speechSynthesis.speak = u => { window.spoken.push({text: u.text, lang: u.lang}); real(u); };
})();"""
# To follow a whole read-through, a stand-in engine that finishes each utterance at once.
STAND_IN = """(() => {
  window.spoken = [];
  window.cancels = 0;
  window.holdSpeech = false;  // true: utterances never finish (a long passage)
  speechSynthesis.speak = u => {
    window.spoken.push({text: u.text, lang: u.lang});
    if (!window.holdSpeech) setTimeout(() => u.onend && u.onend(new Event('end')), 5);
  };
  speechSynthesis.cancel = () => { window.cancels += 1; };
})();"""


def test_read_aloud_uses_the_browsers_own_speech_and_says_when_it_cannot(site, reader_context):
    context = reader_context(reader="toolbar=1")
    context.add_init_script(SPY)
    page = context.new_page()
    page.goto("/accessibility/")
    assert page.locator("[data-requires-speech]").is_visible()
    button(page, "连读").click()
    page.wait_for_function("() => window.spoken.length > 0")
    first = page.evaluate("window.spoken[0]")
    assert first == {"text": page.locator("main h1").inner_text(), "lang": "zh-CN"}
    # No voice here: the reader is told, and the button is released.
    page.wait_for_function("() => document.querySelector('[data-status=speech]').textContent.includes('无法朗读')")
    assert button(page, "连读").get_attribute("aria-pressed") == "false"


def test_continuous_reading_goes_through_the_main_text_in_order_and_stops(site, reader_context):
    context = reader_context(reader="toolbar=1")
    context.add_init_script(STAND_IN)
    page = context.new_page()
    page.goto(site.seed.get_absolute_url())
    button(page, "连读").click()
    page.wait_for_function(
        "() => document.querySelector('[data-status=speech]').textContent === '朗读完毕'", timeout=20000
    )
    spoken = page.evaluate("window.spoken.map(u => u.text)")
    main_text = page.evaluate("document.getElementById('main').innerText.replace(/\\s+/g, ' ')")
    assert page.locator("main h1").inner_text() in spoken
    assert page.locator(".breadcrumbs").inner_text().split()[0] not in spoken  # navigation is skipped
    assert len(spoken) > 20 and all(len(text) <= 120 or "。" not in text[:-1] for text in spoken)
    position = 0
    for text in spoken:  # in document order
        position = main_text.find(text[:20], position)
        assert position >= 0, text
    assert button(page, "连读").get_attribute("aria-pressed") == "false"
    assert page.locator(".speaking").count() == 0

    # Pressing it again while it reads stops at once.
    page.evaluate("() => { window.holdSpeech = true; }")
    button(page, "连读").click()
    assert button(page, "连读").get_attribute("aria-pressed") == "true"
    button(page, "连读").click()
    assert button(page, "连读").get_attribute("aria-pressed") == "false"
    assert page.locator('[data-status="speech"]').inner_text() == "已停止朗读"


def test_point_and_read_speaks_what_is_hovered_or_focused(site, reader_context):
    context = reader_context(reader="toolbar=1")
    context.add_init_script(STAND_IN)
    page = context.new_page()
    page.goto("/accessibility/")
    button(page, "指读").click()
    assert "speech=1" in reader_cookie(page)
    paragraph = page.locator("main p").first
    paragraph.hover()
    # The pressed button may speak its own new state first (it keeps the focus), so the
    # paragraph is waited for by its text: it must come, and be the last thing said.
    page.wait_for_function(
        "text => window.spoken.some(utterance => utterance.text === text)", arg=paragraph.inner_text()
    )
    assert page.evaluate("window.spoken.at(-1).text") == paragraph.inner_text()
    # Focus speaks the link. Waited for by its text, not by the count of utterances: the pointer
    # still rests on the page, and a shift of the layout under it may speak another paragraph first.
    link = page.locator("main a").first
    link.focus()
    page.wait_for_function("text => window.spoken.some(utterance => utterance.text === text)", arg=link.inner_text())


def test_speech_buttons_are_not_offered_where_the_browser_cannot_speak(site, reader_context):
    context = reader_context(reader="toolbar=1")
    context.add_init_script("delete window.speechSynthesis; delete Window.prototype.speechSynthesis;")
    page = context.new_page()
    page.goto("/")
    assert page.evaluate("'speechSynthesis' in window") is False
    assert page.locator("[data-requires-speech]").is_hidden()
    assert page.locator("#a11y-toolbar").is_visible()


def test_the_readers_own_settings_are_respected(site, reader_context):
    page = reader_context(reader="big_cursor=1&toolbar=1").new_page()
    page.goto("/")
    pressed = page.locator("#a11y-toolbar").get_by_role("button", name="大鼠标", exact=True)
    label = page.locator(".toolbar-label").first

    page.emulate_media(reduced_motion="reduce")
    page.evaluate("() => { document.querySelector('.switch').style.transition = 'color 2s'; }")
    assert page.evaluate("getComputedStyle(document.querySelector('.switch')).transitionDuration") == "0s"

    assert label.evaluate("el => getComputedStyle(el).color") == "rgb(74, 74, 74)"
    page.emulate_media(contrast="more")
    assert label.evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)"

    # Forced colours drop backgrounds: the pressed state must still show, by border and underline.
    page.emulate_media(forced_colors="active")
    style = pressed.evaluate("el => [getComputedStyle(el).borderTopWidth, getComputedStyle(el).textDecorationLine]")
    assert style == ["4px", "underline"]


CONTRAST_JS = """element => {
    const rgb = colour => colour.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const luminance = colour => {
        const [r, g, b] = rgb(colour).map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [a, b] = [getComputedStyle(element, "::placeholder").color, getComputedStyle(element).backgroundColor].map(luminance);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_the_search_boxs_hint_is_as_legible_as_the_text_in_every_scheme(site, reader_context):
    """The header search box's label is hidden: its hint (搜索标题、正文、文号、索引号) is what a
    reader sees of what can be searched. It was the browser's grey, 4.6:1 on white and on black,
    in 长者模式 and both high-contrast schemes, which promise 7:1."""
    for reader, least in [("", 4.5), ("elder=1", 7), ("contrast=yb", 7), ("contrast=wb", 7), ("text_only=1", 4.5)]:
        page = reader_context(reader=reader).new_page()
        page.goto("/")
        ratio = page.locator("#site-search-q").evaluate(CONTRAST_JS)
        assert ratio >= least, f"{reader or 'default'}: {ratio:.2f}:1"
