"""The 公开同意 checkbox sits inside its label (as the radios do): the whole sentence is the target,
at least 60 px tall in 长者模式 (checklist §7.4), and the box stays beside what it answers."""

import re

import pytest

from tests.browser.conftest import close_settled

pytestmark = pytest.mark.django_db


def test_checkbox_is_inside_its_label_with_the_help_text_after(client):
    html = client.get("/disclosures/apply/").content.decode()
    field = re.search(
        r'<div class="field[^"]*"><label class="check" for="id_consents_publication">(.*?)</div>', html, re.S
    )
    assert field, "the consent field as a label around its box"
    assert re.match(
        r'<input type="checkbox" name="consents_publication"[^>]*><span>同意答复内容经隐私处理后公开</span></label>',
        field.group(1),
    )
    assert 'aria-describedby="id_consents_publication_helptext"' in field.group(1)
    assert 'id="id_consents_publication_helptext">只公开去除个人信息后' in field.group(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("reader", "least"), [("", 44), ("elder=1", 60)], ids=["normal", "elder"])
def test_the_whole_label_line_is_a_large_target(browser, live_server, reader, least):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", base_url=live_server.url)
    if reader:
        context.add_cookies([{"name": "reader", "value": reader, "url": live_server.url}])
    page = context.new_page()
    page.goto("/disclosures/apply/")
    label = page.locator("label[for=id_consents_publication]")
    box, line = page.locator("#id_consents_publication").bounding_box(), label.bounding_box()
    assert line["height"] >= least - 0.5 and line["width"] >= 200
    # The box is on the sentence's line, not below it.
    assert line["y"] <= box["y"] and box["y"] + box["height"] <= line["y"] + line["height"]
    label.locator("span").click()
    assert page.is_checked("#id_consents_publication")
    close_settled(context)
