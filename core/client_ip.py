"""The client's address as the outermost trusted proxy saw it.

Behind nginx every request comes from nginx's address, so anything keyed by REMOTE_ADDR (the
login lockout) would treat all readers as one. Each trusted proxy appends the address it saw to
X-Forwarded-For, so with TRUSTED_PROXY_COUNT proxies in front of Django the client is the
TRUSTED_PROXY_COUNT-th entry from the right; anything left of it is whatever the client sent
and is not believed."""

import ipaddress

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
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
