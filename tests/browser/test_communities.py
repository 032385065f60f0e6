"""In a real browser (Debian's chromium): a 出处 link lands on its sentence, highlighted and in
view, and the charts stay legible and unclipped in elder mode with high contrast."""

from communities.models import Fact

# Runs on the browser package's shared chromium, live server and data (the seed is part of
# `site`), like every other browser test: no chromium, server and seed load of its own.
YELLOW, BLACK = "rgb(255, 255, 0)", "rgb(0, 0, 0)"


def test_source_link_scrolls_to_the_highlighted_sentence_and_charts_fit(site, reader_context):
    page = reader_context(reader="elder=1&contrast=yb", width=1024, height=768).new_page()
    page.goto(f"{site.url}/communities/")
    for chart in page.locator("svg.bar-chart").all():
        assert chart.locator(".bar-rect").first.evaluate("e => getComputedStyle(e).fill") == YELLOW
        assert chart.locator("text").first.evaluate("e => getComputedStyle(e).fill") == YELLOW
        width = chart.evaluate("svg => svg.viewBox.baseVal.width")
        for box in chart.locator("text").evaluate_all(
            "ts => ts.map(t => { const b = t.getBBox(); return [b.x, b.x + b.width]; })"
        ):
            assert box[0] >= 0 and box[1] <= width + 1, box  # no label or value clipped

    fact = Fact.objects.get(metric__slug="consultation-matters")
    page.locator(f'a.source-link[href="{fact.source_url}"]').first.click()
    page.wait_for_load_state()
    mark = page.locator(f"mark#{fact.anchor}")
    assert mark.inner_text().replace("\n", "") == fact.sentence
    box = mark.evaluate("m => { const r = m.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }")
    assert 0 <= box[0] and box[1] <= box[2], box  # scrolled into view
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") == YELLOW
    assert mark.evaluate("m => getComputedStyle(m).color") == BLACK


def test_chart_labels_are_never_smaller_than_the_body_text_and_grow_in_elder_mode(site, reader_context):
    """The charts' text was 16 px on a desktop, 7 px at 320 px (400 % zoom) and 6 px in 长者模式
    with 文字放大: it scaled with the chart's width. The chart now keeps the width at which its
    labels are the body text's size, and its figure scrolls sideways, not the page."""
    for reader, least in (("", 14), ("elder=1&font_step=4", 20)):
        page = reader_context(reader=reader, width=320, height=700).new_page()
        for path in ("/communities/", "/proposals/statistics/"):
            page.goto(f"{site.url}{path}")
            charts = page.locator("svg.bar-chart")
            assert charts.count(), path
            for chart in charts.all():
                size = chart.evaluate(
                    "svg => parseFloat(getComputedStyle(svg.querySelector('text')).fontSize)"
                    " * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width"
                )
                assert size >= least - 0.01, (reader, path, size)
            sideways = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert sideways[0] <= sideways[1], (reader, path, sideways)
        page.close()
    # On a desktop the chart fits its column: nothing to scroll.
    for reader in ("", "elder=1"):
        page = reader_context(reader=reader, width=1280).new_page()
        metric = Fact.objects.filter(metric__isnull=False).first().metric.get_absolute_url()
        for path in ("/communities/", metric, "/proposals/statistics/"):
            page.goto(f"{site.url}{path}")
            widths = page.locator(".chart-scroll").evaluate_all("rs => rs.map(r => [r.scrollWidth, r.clientWidth])")
            assert widths and all(scroll <= client for scroll, client in widths), (reader, path, widths)
        page.close()
