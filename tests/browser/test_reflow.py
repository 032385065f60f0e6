"""Reflow (WCAG 1.4.10): every public page type at 320 CSS px (400 % zoom of 1280) and at
640 CSS px (200 % zoom), in normal and elder mode, without horizontal scrolling."""

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


def test_every_public_page_reflows_without_horizontal_scrolling(site, reader_context):
    tabs = {}
    for view, size in VIEWS.items():
        for mode, cookie in {"normal": "", "elder": "elder=1&toolbar=1"}.items():
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
