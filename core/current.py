"""The web request a change is made in, for code it is not handed to (signal receivers, services
called from the admin): django-simple-history's middleware keeps each non-GET request."""

from simple_history.models import HistoricalRecords


def current_request():
    return getattr(HistoricalRecords.context, "request", None)


def current_user():
    """The signed-in person making the change, or None (the system: a command, a test)."""
    user = getattr(current_request(), "user", None)
    return user if getattr(user, "is_authenticated", False) else None
