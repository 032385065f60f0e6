from django.test import RequestFactory, override_settings

from core.client_ip import client_ip


def request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_the_header_is_ignored():
    assert client_ip(request("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_proxy_believes_only_its_own_entry():
    assert client_ip(request("10.0.0.2", "1.2.3.4, 203.0.113.5")) == "203.0.113.5"
    assert client_ip(request("10.0.0.2", "203.0.113.5")) == "203.0.113.5"
    # No header (a health check from the node itself) or garbage: the connection's address.
    assert client_ip(request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", "1.2.3.4, <script>")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_two_proxies():
    assert client_ip(request("10.0.0.3", "1.2.3.4, 203.0.113.5, 10.0.0.2")) == "203.0.113.5"
    assert client_ip(request("10.0.0.3", "10.0.0.2")) == "10.0.0.3"
