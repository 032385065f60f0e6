"""The 依申请公开 paths' limits, counted in fixed windows by every worker together (core.ratelimits)."""

from django.conf import settings

from core import ratelimits
from core.client_ip import client_network

DEFAULTS = {
    "apply_address": (10, 3600),  # submissions per client address per hour
    "apply_applicant": (10, 86400),  # per applicant (ID digest) per day
    "lookup_address": (10, 600),  # status look-ups per address per 10 minutes
    "lookup_code": (5, 3600),  # failed look-ups per 查询码 per hour (the tail has only 10⁴ values)
}


def limit_for(name):
    return getattr(settings, "INFOREQUESTS_RATE_LIMITS", {}).get(name, DEFAULTS[name])


def window_words(name) -> str:
    """How long a reader refused by the limit `name` waits at most, in words: its window."""
    _, window = limit_for(name)
    for seconds, unit in ((86400, "天"), (3600, "小时")):
        if window % seconds == 0:
            return f"{window // seconds}{unit}"
    return f"{-(-window // 60)}分钟"


def _key(name, ident):
    return f"inforequests:rl:{name}:{ident}"


def exceeded(name, ident) -> bool:
    limit, _ = limit_for(name)
    return ratelimits.uses(_key(name, ident)) >= limit


def hit(name, ident) -> bool:
    """Count one use; True when this use is over the limit."""
    limit, window = limit_for(name)
    return ratelimits.hit(_key(name, ident), window) > limit


def client_address(request):
    # The reader's address, not the proxy's: behind nginx REMOTE_ADDR is nginx for everyone, and
    # one person's ten tries would lock every citizen out (core.client_ip, TRUSTED_PROXY_COUNT).
    # An IPv6 reader's /64, as the sign-in lockout counts: one subscriber may use any address in it.
    return client_network(request)
