"""Error pages in the site's look, and headers every response carries."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_failed_csrf_check_gets_the_sites_page_not_djangos(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page and "返回首页" in page
    assert "<style" not in page  # Django's stock page has inline CSS, which the CSP blocks
    assert 'class="skip-link"' in page  # base.html: the site's own chrome


def test_every_response_forbids_powerful_features(client):
    for url in ("/", "/disclosures/", "/no-such-page/", "/api/v1/records"):
        policy = client.get(url)["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy, url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/disclosures/?year=2026&page=99999999", "页码无效"),
        ("/disclosures/?year=2026&page=0", "页码无效"),
        ("/disclosures/?year=2026&page=abc", "页码无效"),
        ("/disclosures/?year=2026&after=999999", "翻页链接已失效"),
        ("/proposals/?year=2026&page=999", "页码超出范围"),
    ],
)
def test_a_bad_page_number_says_so_and_links_the_first_page(client, url, message):
    """The paging message is for the reader: not the generic "not found or withdrawn" text."""
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert message in page and "已被撤回" not in page
    path = url.split("?")[0]
    assert f'href="{path}?year=2026">返回列表第一页' in page  # the filters kept, the paging dropped


@pytest.mark.parametrize("page", ["abc", "0"])
def test_a_bad_page_number_names_the_pages_there_are(client, seed, page):
    """Not the 50 pages a long catalogue may open directly when there are fewer."""
    for path in ("/disclosures/", "/gk/qzf/catalogue/"):
        text = client.get(path, {"page": page}).content.decode()
        assert "页码无效：共 1 页，请打开第 1 至 1 页。" in text and "1 至 50" not in text, path


def test_other_404s_keep_the_generic_text(client):
    page = client.get("/no-such-page/").content.decode()
    assert "已被撤回" in page and "返回列表第一页" not in page
