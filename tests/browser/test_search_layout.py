"""The search page in one column (a phone, 长者模式 on any screen, 纯文本): the results come
first, not below every facet (the facets follow them, a link near the count leads there); on a
wide screen the facets stand in the left column beside the results, as before."""

import pytest

PATH = "/search/?q=%E7%A4%BE%E5%8C%BA"  # 社区: results and facets in the demo data
PHONE = {"width": 360, "height": 740}


def boxes(page):
    first_hit = page.locator(".hit-list > li").first.bounding_box()
    facets = page.locator("aside.facets").bounding_box()
    results = page.locator("section.search-results").bounding_box()
    return first_hit, facets, results


@pytest.mark.parametrize(
    "reader, size",
    [("", PHONE), ("elder=1", PHONE), ("elder=1", {}), ("contrast=wb&text_only=1", {})],
    ids=["phone", "phone-elder", "desktop-elder", "desktop-text-only"],
)
def test_in_one_column_the_results_come_before_the_facets(site, open_page, reader, size):
    page = open_page(PATH, reader=reader, **size)
    first_hit, facets, _ = boxes(page)
    assert first_hit["y"] + first_hit["height"] <= facets["y"], (first_hit, facets)
    assert page.locator("aside.facets a").count() > 5  # 社区: many facets that came first before
    page.get_by_role("link", name="按类型、发布机构等筛选").click()
    page.wait_for_url("**#facets-heading")
    assert page.locator("#facets-heading").bounding_box()["y"] < 50
    assert not page.console_errors


def test_on_a_wide_screen_the_facets_stand_left_of_the_results(site, open_page):
    page = open_page(PATH)
    _, facets, results = boxes(page)
    assert facets["x"] + facets["width"] <= results["x"], (facets, results)
    assert abs(facets["y"] - results["y"]) < 2, (facets, results)
    assert not page.console_errors
