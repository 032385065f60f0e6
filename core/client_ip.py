"""The client's address as the outermost trusted proxy saw it.

Behind nginx every request comes from nginx's address, so anything keyed by REMOTE_ADDR (the
login lockout) would treat all readers as one. Each trusted proxy appends the address it saw to
X-Forwarded-For, so with TRUSTED_PROXY_COUNT proxies in front of Django the client is the
TRUSTED_PROXY_COUNT-th entry from the right; anything left of it is whatever the client sent
and is not believed."""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)
_untrusted_header_reported = False


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        if "HTTP_X_FORWARDED_FOR" in request.META:
            _report_untrusted_header()
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        # Not through the configured proxies (a direct connection, a health check).
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _report_untrusted_header():
    global _untrusted_header_reported
    if not _untrusted_header_reported:
        _untrusted_header_reported = True
        logger.warning(
            "X-Forwarded-For received with TRUSTED_PROXY_COUNT=0: every client counts as the connecting "
            "address. Behind a reverse proxy set TRUSTED_PROXY_COUNT (docs/deployment.md), else the sign-in "
            "lockout and rate limits treat all readers as one."
        )


# One IPv6 subscriber (a home, a phone, a rented server) is given a whole /64 and may use any
# address in it.
IPV6_CLIENT_PREFIX = 64


def client_network(request):
    """client_ip, an IPv6 address cut to its /64: what the sign-in lockout counts by
    (AXES_CLIENT_IP_CALLABLE), else one person would have 2^64 addresses of AXES_FAILURE_LIMIT
    tries each. An IPv4 client seen as an IPv4-mapped IPv6 address (::ffff:203.0.113.5, a
    dual-stack socket) stays its own IPv4 address."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return address
    if parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False).network_address)
