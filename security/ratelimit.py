"""The enrolment code mail's limits, counted in fixed windows by every worker together
(core.ratelimits): someone holding a password must not fill its owner's mailbox."""

from django.conf import settings

from core import ratelimits

DEFAULTS = {
    "enrol_mail_account": (5, 3600),  # enrolment codes mailed to one account per hour
    "enrol_mail_address": (10, 3600),  # asked for from one client address (IPv6: its /64) per hour
}


def limit_for(name):
    return getattr(settings, "SECURITY_RATE_LIMITS", {}).get(name, DEFAULTS[name])


def hit(name, ident) -> bool:
    """Count one use; True when this use is over the limit."""
    limit, window = limit_for(name)
    return ratelimits.hit(f"security:rl:{name}:{ident}", window) > limit
