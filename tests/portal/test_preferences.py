"""Reader preferences on the server: the cookie, the classes on <html>, the no-JavaScript
forms, and the accessibility statement."""

from urllib.parse import parse_qsl

import pytest

from portal.models import SiteSettings
from portal.preferences import ReaderPreferences


def html_tag(response):
    return response.content.decode().split("<html", 1)[1].split(">", 1)[0]


def test_cookie_round_trip_and_classes():
    prefs = ReaderPreferences(
        elder=True, font_step=2, contrast="yb", big_cursor=True, guide=True, text_only=True, speech=True, toolbar=True
    )
    assert ReaderPreferences.from_cookie(prefs.to_cookie()) == prefs
    assert prefs.html_classes == "elder font-step-2 contrast-yb big-cursor reading-guide text-only speech-point"
    assert ReaderPreferences().to_cookie() == "" and ReaderPreferences().is_default


@pytest.mark.parametrize(
    "raw",
    [
        "font_step=9",
        "font_step=-3",
        "font_step=x",
        "contrast=red",
        "elder=maybe",
        "%%%",
        "a=b",
        "font_step=" + "1" * 5000,
    ],
)
def test_out_of_range_or_garbled_cookies_are_ignored(raw):
    assert ReaderPreferences.from_cookie(raw) == ReaderPreferences()


def test_elder_mode_never_shrinks_text_below_its_base():
    prefs = ReaderPreferences(font_step=-2)
    assert prefs.html_classes == "font-step-minus-2" and prefs.can_shrink is False
    elder = ReaderPreferences(elder=True, font_step=-2)
    assert elder.html_classes == "elder" and elder.font_percent == "100%" and elder.can_shrink is False
    assert ReaderPreferences(elder=True, font_step=1).font_percent == "112.5%"
    assert ReaderPreferences(font_step=4).can_grow is False


def test_reset_keeps_only_the_open_toolbar():
    prefs = ReaderPreferences(elder=True, font_step=3, contrast="wb", toolbar=True)
    assert prefs.reset() == ReaderPreferences(toolbar=True)


def test_pages_render_the_cookie_on_the_server(client, seed):
    client.cookies["reader"] = "elder=1&contrast=yb&toolbar=1"
    response = client.get(seed.get_absolute_url())
    assert html_tag(response) == ' lang="zh-CN" class="elder contrast-yb"'
    html = response.content.decode()
    assert 'name="elder" value="0" aria-pressed="true"' in html
    assert 'aria-expanded="true" aria-controls="a11y-toolbar"' in html
    assert (
        '<form id="a11y-toolbar" class="a11y-toolbar" method="post" action="/preferences/" aria-labelledby="a11y-toolbar-title" data-reader-form>'
        in html
    )
    assert 'name="contrast" value="" data-on="yb" aria-pressed="true">黑底黄字' in html
    assert "Cookie" in response["Vary"]


def test_toolbar_is_in_every_page_but_hidden_until_opened(client, seed):
    html = client.get("/").content.decode()
    assert "data-reader-form hidden>" in html
    assert 'name="toolbar" value="1" aria-expanded="false"' in html
    # Speech needs the browser's synthesis: offered only once reader.js finds it.
    assert 'role="group" aria-labelledby="toolbar-speech" hidden data-requires-speech' in html


@pytest.mark.parametrize(
    ("query", "cookie"),
    [
        ("elder=1", "elder=1"),
        ("font_step=2", "font_step=2"),
        (
            "contrast=wb&big_cursor=1&guide=1&text_only=1&speech=1",
            "contrast=wb&big_cursor=1&guide=1&text_only=1&speech=1",
        ),
        ("toolbar=1", "toolbar=1"),
    ],
)
def test_preference_forms_set_the_cookie_and_return_to_the_page(client, query, cookie):
    response = client.post("/preferences/", {"next": "/disclosures/?page=2", **dict(parse_qsl(query))})
    assert response.status_code == 303 and response["Location"] == "/disclosures/?page=2"
    assert response.cookies["reader"].value == cookie
    assert response.cookies["reader"]["samesite"] == "Lax"
    assert response["Cache-Control"] == "no-store"


def test_preferences_change_one_setting_at_a_time_and_reset(client):
    client.cookies["reader"] = "elder=1&font_step=2&toolbar=1"
    response = client.post("/preferences/", {"contrast": "yb", "next": "/"})
    assert ReaderPreferences.from_cookie(response.cookies["reader"].value) == ReaderPreferences(
        elder=True, font_step=2, contrast="yb", toolbar=True
    )
    response = client.post("/preferences/", {"reset": "1", "next": "/"})
    assert response.cookies["reader"].value == "toolbar=1"
    client.cookies["reader"] = "elder=1"
    response = client.post("/preferences/", {"elder": "0", "next": "/"})
    assert response.cookies["reader"].value == "" and response.cookies["reader"]["max-age"] == 0


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_preferences_never_redirect_off_site(client, target):
    response = client.post("/preferences/", {"elder": "1", "next": target})
    assert response["Location"] == "/"


@pytest.mark.parametrize("query", ["elder=1", "contrast=yb&text_only=1", "reset=1"])
def test_a_get_changes_nothing(client, query):
    """Staff markup like <img src="/preferences/?elder=1"> must not set every visitor's mode."""
    client.cookies["reader"] = "font_step=2"
    response = client.get(f"/preferences/?{query}&next=/disclosures/")
    assert response.status_code == 303 and response["Location"] == "/disclosures/"
    assert "reader" not in response.cookies


def test_another_sites_form_changes_nothing_but_ours_does(client):
    response = client.post("/preferences/", {"elder": "1", "next": "/"}, HTTP_ORIGIN="https://evil.example")
    assert "reader" not in response.cookies
    response = client.post("/preferences/", {"elder": "1", "next": "/"}, HTTP_ORIGIN="http://testserver")
    assert response.cookies["reader"].value == "elder=1"


def test_the_forms_post_without_a_token_from_a_cached_page(client, db):
    client = type(client)(enforce_csrf_checks=True)
    html = client.get("/").content.decode()
    assert 'class="reader-switches" method="post" action="/preferences/"' in html
    assert "csrfmiddlewaretoken" not in html  # the page stays cacheable for everyone
    assert client.post("/preferences/", {"elder": "1", "next": "/"}).cookies["reader"].value == "elder=1"


def test_accessibility_statement_names_the_standard_testing_limits_and_contact(client, seed):
    # Saved as staff save it: the seed's 社区治理 figures, indexed for search, have read the
    # settings already, and only a save starts a new generation of what is kept.
    site = SiteSettings.objects.get()
    site.phone, site.hotline, site.address = "0871-11111111", "0871-12345", "测试路1号"
    site.save()
    html = client.get("/accessibility/").content.decode()
    for text in (
        "GB/T 37668-2019",
        "二级",
        "WCAG",
        "2.2 AA",
        "适老化通用设计规范",
        "检测方法",
        "axe-core",
        "Nu HTML Checker",
        "已知的不足",
        "反馈无障碍问题",
        "0871-11111111",
        "0871-12345",
        "测试路1号",
        'id="toolbar"',
    ):
        assert text in html, text
    assert html.count("<h1>") == 1
