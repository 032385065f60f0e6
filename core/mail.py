"""E-mail sent because something was saved: after the commit, and never at the cost of the page.

A notice is kept on the case (the applicant reads it with their 查询码) before it is mailed, so a
mail server that is down or misconfigured must not turn a registration that has been committed
into an error page (the applicant would apply again). The failure is logged for the operators —
with what was being sent and why it failed, never the address or the text (personal data)."""

import logging
import smtplib

from django.core.mail import BadHeaderError, send_mail
from django.db import transaction

logger = logging.getLogger(__name__)

# What a mail backend raises when the server is away, refuses or times out, or when an address
# or subject cannot be a header (a newline typed into a stored address).
MAIL_ERRORS = (OSError, smtplib.SMTPException, BadHeaderError)


def send_safely(subject, body, recipients, *, about="") -> bool:
    """Send now; False (and a log line naming `about`) when the mail server fails."""
    try:
        send_mail(subject, body, None, recipients)
    except MAIL_ERRORS as error:
        logger.error("e-mail not sent (%s): %s", about or "no context", type(error).__name__)
        return False
    return True


def send_after_commit(subject, body, recipients, *, about=""):
    """Send once the surrounding transaction commits (nothing is sent for a rolled-back save)."""
    transaction.on_commit(lambda: send_safely(subject, body, recipients, about=about))
