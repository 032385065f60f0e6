"""axe-core (bundled by axe-playwright-python) on every public page type, in each reading mode."""

from pathlib import Path

import axe_playwright_python
from axe_playwright_python.sync_playwright import Axe, AxeResults

from .conftest import DESKTOP, watch_console
from .public_urls import namespaces_with_urls

AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Structure rules axe files under best practice: landmarks, one h1 and ordered headings are
# part of the issue, so they count here too.
STRUCTURE_RULES = [
    "region",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-banner-is-top-level",
    "landmark-main-is-top-level",
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
    "skip-link",
    "tabindex",
]
MODES = {
    "normal": "",
    # The toolbar is open in the other modes so its own markup is checked too.
    "elder": "elder=1&toolbar=1",
    "contrast-yb": "contrast=yb&toolbar=1",
    "contrast-wb": "contrast=wb&font_step=2&text_only=1&toolbar=1",
    "elder-320": "elder=1&toolbar=1",
}
# 长者模式 at 320 CSS px (400 % zoom of 1280): the targets and contrast of the one-column layout.
WIDTHS = {"elder-320": 320}
# 长者模式 and the high-contrast schemes promise 7:1 (WCAG 1.4.6).
ENHANCED_CONTRAST_MODES = {"elder", "contrast-yb", "contrast-wb", "elder-320"}
# 白底黑字 has the same markup as 黑底黄字 (only colours differ), and 长者模式 at 320 px the same
# as on a desktop, so they get the rules that depend on the rendering; every other mode gets
# all of them. This keeps the suite quick.
RENDERING_RULES = [
    "color-contrast",
    "color-contrast-enhanced",
    "link-in-text-block",
    "target-size",
    "scrollable-region-focusable",
    "avoid-inline-spacing",
]
RENDERING_ONLY_MODES = {"contrast-wb", "elder-320"}


def axe_options(mode):
    if mode in RENDERING_ONLY_MODES:
        return {"runOnly": {"type": "rule", "values": RENDERING_RULES}, "resultTypes": ["violations"]}
    rules = {rule: {"enabled": True} for rule in STRUCTURE_RULES}
    if mode in ENHANCED_CONTRAST_MODES:
        rules["color-contrast-enhanced"] = {"enabled": True}
    return {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "rules": rules, "resultTypes": ["violations"]}


def test_every_public_page_has_no_axe_violations_in_any_mode(site, reader_context):
    # One tab per mode, all loaded with the same page, then axe started in every tab before
    # waiting on any: each tab is its own renderer process, so the modes run side by side.
    tabs = {}
    for mode, cookie in MODES.items():
        context = reader_context(reader=cookie, width=WIDTHS.get(mode, DESKTOP["width"]))
        context.add_init_script(path=AXE_SCRIPT)  # once per context, not per page
        tabs[mode] = watch_console(context.new_page())
    failures = []
    for item in site.pages:
        for mode, tab in tabs.items():
            tab.console_errors.clear()
            response = tab.goto(item.url)
            assert response.status == item.status, f"{item} answered {response.status} in {mode} mode"
            tab.evaluate("options => { window.axeRun = axe.run(document, options); }", axe_options(mode))
        for mode, tab in tabs.items():
            results = AxeResults(tab.evaluate("() => window.axeRun"))
            if results.violations_count:
                failures.append(f"--- {item} [{mode}] ---\n{results.generate_report()}")
            if tab.console_errors:  # e.g. a CSP refusal of an inline script or style
                failures.append(f"--- {item} [{mode}] --- console errors: {tab.console_errors}")
    assert not failures, f"{len(failures)} failures on {len(site.pages)} pages x {len(MODES)} modes:\n" + "\n".join(
        failures
    )


def test_enhanced_contrast_rule_is_really_run(site, open_page):
    """Guard against a silently ignored option: a 5:1 text must fail the 7:1 check."""
    page = open_page("/accessibility/", reader="elder=1")
    page.evaluate("document.querySelector('main p').style.color = '#6b6b6b'")  # 5.3:1 on white
    results = Axe().run(page, options=axe_options("elder"))
    rules = {violation["id"] for violation in results.response["violations"]}
    assert "color-contrast-enhanced" in rules
    assert "color-contrast" not in rules  # 5.3:1 still passes AA


def test_page_list_covers_every_app_with_pages(site):
    names = [page.name for page in site.pages]
    for core in (
        "portal:home",
        "disclosures:catalogue",
        "disclosures:guide",
        "disclosures:policy",
        "portal:sitemap",
        "portal:accessibility",
        "404",
    ):
        assert core in names
    assert site.seed.get_absolute_url() in [page.url for page in site.pages]
    assert {"search:results (grouped)", "search:results (suggestion)"} <= set(names)
    for namespace in namespaces_with_urls():
        assert any(name.startswith(f"{namespace}:") for name in names), f"no {namespace} page was found to check"
