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
