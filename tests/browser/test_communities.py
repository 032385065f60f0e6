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
