"""Reflow (WCAG 1.4.10): every public page type at 320 CSS px (400 % zoom of 1280) and at
640 CSS px (200 % zoom), in normal and elder mode, and at 320 px with the toolbar's largest
文字放大 too, without horizontal scrolling."""

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll('*')].filter(el => {
    if (el.closest('.visually-hidden, .skip-link')) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1;
  }).slice(0, 5).map(el => `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`);
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""
VIEWS = {
    "320px": {"width": 320, "height": 640, "device_scale_factor": 1},
    "200%": {"width": 640, "height": 450, "device_scale_factor": 2},
}
MODES = {"normal": "", "elder": "elder=1&toolbar=1"}
# 文字放大 at its largest (150 %) on a phone: rem-wide grid columns and an unbroken domain
# name in the header had made the page wider than 320 px.
LARGEST_TEXT = {"largest text": "font_step=4&toolbar=1", "elder, largest text": "elder=1&font_step=4"}


def test_every_public_page_reflows_without_horizontal_scrolling(site, reader_context):
    tabs = {}
    for view, size in VIEWS.items():
        for mode, cookie in {**MODES, **(LARGEST_TEXT if view == "320px" else {})}.items():
            if (view, mode) == ("320px", "elder"):
                continue  # test_elder_mode.py walks every page at 320 px in elder mode
            tabs[view, mode] = reader_context(reader=cookie, **size).new_page()
    problems = []
    for item in site.pages:
        for (view, mode), page in tabs.items():
            page.goto(item.url)
            result = page.evaluate(OVERFLOW)
            if result["scroll"] > result["width"]:
                problems.append(f"{item} [{view}, {mode}]: {result}")
    assert not problems, "\n".join(problems)


# WCAG 1.4.12's spacing, as a reader's own style sheet (a browser extension) sets it: no text
# may be cut off by a box that clips, and the page still may not scroll sideways.
TEXT_SPACING = """() => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }'
    + ' p { margin-bottom: 2em !important; }');
  document.adoptedStyleSheets = [sheet];
  const clips = value => value === 'hidden' || value === 'clip';
  const clipped = [...document.body.querySelectorAll('*')].filter(el => {
    if (el.clientWidth <= 1 || el.closest('.visually-hidden, .skip-link, svg')) return false;  // hidden on purpose
    const style = getComputedStyle(el);
    return (clips(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      || (clips(style.overflowY) && el.scrollHeight > el.clientHeight + 1);
  }).map(el => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 16)}"`);
  return {clipped, scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth};
}"""


def test_text_spacing_cuts_off_no_text_at_320_px_in_elder_mode(site, reader_context):
    page = reader_context(reader="elder=1&toolbar=1", **VIEWS["320px"]).new_page()
    problems = []
    for item in site.pages:
        page.goto(item.url)
        result = page.evaluate(TEXT_SPACING)
        if result["clipped"] or result["scroll"] > result["width"]:
            problems.append(f"{item}: {result}")
    assert not problems, "\n".join(problems)


def test_text_spacing_check_finds_text_cut_off(site, open_page):
    """Guard against a check that finds nothing: a line-high box that clips its paragraph."""
    page = open_page("/accessibility/", reader="elder=1", **VIEWS["320px"])
    page.evaluate("Object.assign(document.querySelector('main p').style, {height: '1.8em', overflow: 'hidden'})")
    assert page.evaluate(TEXT_SPACING)["clipped"]


def test_radio_buttons_keep_their_shape_beside_long_labels_at_320_px_in_elder_mode(site, reader_context):
    """Beside a label of two lines a radio button (a flex item) was squeezed into an oval."""
    page = reader_context(reader="elder=1", width=320).new_page()
    page.goto(f"{site.url}/disclosures/apply/")
    boxes = page.locator(".field fieldset input[type=radio]").evaluate_all(
        "rs => rs.map(r => { const b = r.getBoundingClientRect(); return [r.value, b.width, b.height]; })"
    )
    assert boxes and all(abs(width - height) < 0.5 for _, width, height in boxes), boxes
