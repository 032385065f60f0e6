"""Tables on a phone (375 px) and at 400 % zoom (320 px), in 长者模式: dates and codes are not
broken inside their digits, and wide tables scroll in their own region, not the page."""

import pytest

ELDER = "elder=1"
# Each piece of a cell's text between <wbr>s (or the whole text) on one line.
BROKEN_INSIDE = """selector => [...document.querySelectorAll(selector)].flatMap(cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const broken = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) broken.push(node.textContent);
  }
  return broken;
})"""


@pytest.mark.parametrize("width", [320, 375])
@pytest.mark.parametrize("reader", ["", ELDER], ids=["normal", "elder"])
def test_record_lists_keep_dates_and_index_number_parts_whole(site, reader_context, width, reader):
    page = reader_context(reader=reader, width=width, height=800).new_page()
    for path in ("/", "/disclosures/"):
        page.goto(path)
        assert page.locator(".record-table tbody tr").count() > 5
        assert page.evaluate(BROKEN_INSIDE, ".record-table tbody td:not(:nth-child(2))") == [], path
        scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll[0] <= scroll[1], path


@pytest.mark.parametrize("reader", ["", ELDER], ids=["normal", "elder"])
def test_annual_report_record_and_page_do_not_scroll_sideways_at_400_percent(site, reader_context, reader):
    from annualreports.models import AnnualReport

    report = AnnualReport.objects.filter(status="published", consolidated=True).select_related("record").first()
    page = reader_context(reader=reader, width=320, height=256).new_page()
    for path in (report.record.get_absolute_url(), report.get_absolute_url()):
        page.goto(path)
        scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll[0] <= scroll[1], path
        # The wide tables scroll in their own regions, which keyboard users can reach.
        assert page.locator("main .table-scroll[role=region]").count() >= 4, path
        unreachable = page.evaluate(
            "[...document.querySelectorAll('main .table-scroll')]"
            ".filter(r => r.scrollWidth > r.clientWidth + 1 && r.getAttribute('tabindex') !== '0').length"
        )
        assert unreachable == 0, path
        assert (
            page.evaluate(
                "Math.max(...[...document.querySelectorAll('main .table-scroll')].map(r => r.scrollWidth - r.clientWidth))"
            )
            > 0
        )
        # Row headers keep whole words on a line rather than one character a line.
        assert (
            page.evaluate(
                "Math.min(...[...document.querySelectorAll('main .table-scroll th[scope=row]')].map(th => th.getBoundingClientRect().width))"
            )
            > 100
        ), path


@pytest.mark.parametrize("reader", ["", ELDER], ids=["normal", "elder"])
def test_annual_report_tables_print_whole_on_a4_with_headers_and_without_the_site_around(site, reader_context, reader):
    """A 年报 is printed and filed: on A4 (190 mm of text, 718 px) every column of every table is
    on the paper (a region that scrolls on screen cut table 四 off at 行政诉讼), the header rows
    repeat on each page, no row is split across pages and no navigation or toolbar is printed."""
    from annualreports.models import AnnualReport

    report = AnnualReport.objects.filter(status="published", consolidated=True).select_related("record").first()
    page = reader_context(reader=reader, width=718, height=1000).new_page()
    for path in (report.get_absolute_url(), report.record.get_absolute_url()):
        page.goto(path)
        page.emulate_media(media="print")
        printed = page.evaluate("""() => ({
            cut: [...document.querySelectorAll('main .table-scroll')]
                .filter(r => r.scrollWidth > r.clientWidth + 1 || getComputedStyle(r).overflowX !== 'visible')
                .map(r => r.getAttribute('aria-label')),
            heads: [...new Set([...document.querySelectorAll('main table thead')].map(t => getComputedStyle(t).display))],
            rows: [...new Set([...document.querySelectorAll('main table tr')].map(r => getComputedStyle(r).breakInside))],
            site: [...document.querySelectorAll('nav, header, footer, button, form, .no-print')]
                .filter(e => e.getClientRects().length).map(e => e.outerHTML.slice(0, 60)),
        })""")
        assert printed == {"cut": [], "heads": ["table-header-group"], "rows": ["avoid"], "site": []}, path
        page.emulate_media(media="screen")


@pytest.mark.parametrize("reader", ["", ELDER], ids=["normal", "elder"])
def test_annual_report_row_headings_stay_in_view_when_a_table_is_scrolled_sideways(site, reader_context, reader):
    """At 320 px table 三 scrolls in its region; scrolled to its 总计 column, each row still
    shows what it counts, over the figures rather than under them, and each group its name."""
    from annualreports.models import AnnualReport

    report = AnnualReport.objects.filter(status="published", consolidated=True).first()
    page = reader_context(reader=reader, width=320, height=600).new_page()
    page.goto(report.get_absolute_url())
    seen = page.evaluate("""() => {
        const region = document.querySelector('#table-three').closest('.table-scroll');
        const heading = [...region.querySelectorAll('tbody th')].find(th => th.textContent === '4.保护第三方合法权益');
        window.scrollBy(0, heading.getBoundingClientRect().top - 200);
        region.scrollLeft = region.scrollWidth;
        const box = region.getBoundingClientRect();
        const at = heading.getBoundingClientRect();
        const top = document.elementFromPoint(at.left + 5, at.top + 5);
        const group = [...region.querySelectorAll('tbody th')].find(th => th.textContent === '（三）不予公开').firstChild;
        const g = group.getBoundingClientRect();
        return {
            scrolled: region.scrollLeft > 0,
            inView: at.left >= box.left - 1 && at.right <= box.right + 1,
            onTop: top === heading,
            groupInView: g.left >= box.left - 1 && g.right <= box.right + 1,
        };
    }""")
    assert seen == {"scrolled": True, "inView": True, "onTop": True, "groupInView": True}


def test_a_record_prints_its_metadata_as_a_table_on_a4(site, reader_context):
    """A4 paper is 718 px of text, narrower than the 48rem below which the screen stacks the
    信息公开要素 into blocks: printed, they filled the first page one per line."""
    page = reader_context(width=718, height=1000).new_page()
    page.goto(site.seed.get_absolute_url())
    page.emulate_media(media="print")
    printed = page.evaluate("""() => ({
        meta: getComputedStyle(document.querySelector('.record-meta th')).display,
        wide: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    })""")
    assert printed == {"meta": "table-cell", "wide": False}


@pytest.mark.parametrize("width", [320, 1280])
def test_a_scroll_region_is_a_tab_stop_only_while_it_scrolls(site, reader_context, width):
    """Every region was a tab stop, even where its table fit: on a desktop, a stop with nothing
    to scroll. Checked again when the text grows (文字放大), which widens a table."""
    from annualreports.models import AnnualReport

    report = AnnualReport.objects.filter(status="published", consolidated=True).select_related("record").first()
    page = reader_context(width=width, height=900).new_page()
    page.goto(report.get_absolute_url())
    state = """() => [...document.querySelectorAll('main [role=region]')].map(r => [
        r.scrollWidth > r.clientWidth + 1, r.getAttribute('tabindex') === '0'])"""
    regions = page.evaluate(state)
    assert len(regions) >= 4
    assert all(scrolls == stop for scrolls, stop in regions), regions
    if width == 320:
        assert any(stop for _, stop in regions)
    else:
        assert not all(stop for _, stop in regions)
        # Larger text widens the tables: a region that now scrolls is a stop again.
        page.evaluate("document.documentElement.style.fontSize = '300%'")
        page.wait_for_function(
            "[...document.querySelectorAll('main [role=region]')].every(r =>"
            " (r.scrollWidth > r.clientWidth + 1) === (r.getAttribute('tabindex') === '0'))"
        )
        assert sum(stop for _, stop in page.evaluate(state)) > sum(stop for _, stop in regions)
