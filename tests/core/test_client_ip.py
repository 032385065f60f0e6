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


def test_a_forwarded_header_with_no_trusted_proxy_is_reported_once(caplog, monkeypatch):
    """Behind nginx with TRUSTED_PROXY_COUNT unset every reader is nginx's address, and one
    person's wrong passwords lock a username for everyone: the log says so, once per process."""
    import core.client_ip

    monkeypatch.setattr(core.client_ip, "_untrusted_header_reported", False)
    client_ip(request("10.0.0.2"))
    assert not caplog.records
    client_ip(request("10.0.0.2", "203.0.113.5"))
    client_ip(request("10.0.0.2", "198.51.100.7"))
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "TRUSTED_PROXY_COUNT" in caplog.records[0].getMessage()
    assert "203.0.113.5" not in caplog.records[0].getMessage()  # no reader's address in the log
