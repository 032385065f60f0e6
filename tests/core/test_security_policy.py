"""The Content-Security-Policy header: built once per process for the site-wide policy, and
still exactly django-csp's for responses that use a nonce."""

import base64
import hashlib
import re

import pytest
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core import pagecache
from core.middleware import ContentSecurityPolicyMiddleware


def directives(header):
    return set(header.split("; "))


def respond(view):
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(view)
    middleware.process_request(request)
    return request, middleware.process_response(request, view(request))


@pytest.mark.django_db
def test_pages_carry_the_site_policy_as_django_csp_builds_it(client):
    header = client.get("/robots.txt")["Content-Security-Policy"]
    assert directives(header) == directives(build_policy())
    assert "object-src 'none'" in header and "nonce-" not in header


@pytest.mark.django_db
def test_the_one_inline_script_is_allowed_by_its_hash_so_pages_stay_shared(reader_client, seed):
    """static/js/head.js, in <head> before the first paint: a nonce would make every page the
    page cache's to refuse (private, not kept); its hash is the same on every page."""
    response = reader_client.get("/disclosures/")
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    assert scripts[0] == settings.HEAD_SCRIPT
    assert html.index("<script>") < html.index('rel="stylesheet"') < html.index("</head>")
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    header = response["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in header.split("script-src ", 1)[1].split(";")[0]
    assert "nonce-" not in header and "unsafe-inline" not in header
    assert "public" in response["Cache-Control"]
    assert reader_client.get("/disclosures/").get(pagecache.HIT_HEADER) == "hit"


def test_a_changed_policy_applies_at_once():
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert respond(lambda request: HttpResponse())[1]["Content-Security-Policy"] == "default-src 'none'"
    assert "default-src 'self'" in respond(lambda request: HttpResponse())[1]["Content-Security-Policy"]


def test_a_response_that_used_a_nonce_gets_it_in_its_header():
    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    request, response = respond(view)
    assert f"'nonce-{request.csp_nonce}'" in response["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    request, response = respond(lambda request: HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
