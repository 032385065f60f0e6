"""Writes to the audit log. Other apps call `audit_log` (or one of the helpers below) at the
point where the event happens; signals.py covers sign-ins and permission changes."""

import datetime as dt
import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.client_ip import client_ip
from core.current import current_request

from .models import Action, AuditEntry

# 网络安全法 Art. 21(3): network logs are kept no less than six months.
MIN_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 36500


def client_address(request):
    """The client's address behind the trusted proxies (core.client_ip), the whole address
    where the sign-in lockout counts an IPv6 client's network."""
    if request is None:
        return None
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:  # a malformed header must not break signing in
        return None


def _actor(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()


def attempted_name(request, credentials=None) -> str | None:
    """The name a sign-in attempt is recorded and counted under, in the audit log and by the
    lockout (AXES_USERNAME_CALLABLE): what was typed when it names an account, else a digest of
    it keyed with SECRET_KEY. Staff sometimes type their password into the username box: it
    must be kept nowhere, while each unknown name is still counted (and shown) apart from the
    others, and the lockout answers alike for names that exist and names that do not."""
    typed = credentials.get("username") if credentials is not None else request.POST.get("username")
    if not typed:
        return typed
    typed = str(typed)
    User = get_user_model()
    if User._default_manager.filter(**{User.USERNAME_FIELD: typed}).exists():
        return typed
    return f"(未知账号 {salted_hmac('audit.attempted_name', typed).hexdigest()[:10]})"


def audit_log(
    actor, action: Action, target=None, detail: str = "", *, request=None, succeeded: bool = True, actor_name: str = ""
) -> AuditEntry:
    """Add one entry. `actor` is a user (None or anonymous: the system or a visitor); `target`
    a model instance or None. `detail` must never contain personal data values."""
    actor_id, name = _actor(actor)
    if request is None:
        # Made during a web request by a service that was not handed it (review, publish): the
        # address is still the reader's.
        request = current_request()
    entry = AuditEntry(
        actor_id=actor_id,
        actor_name=(name or actor_name)[:150],
        action=action,
        succeeded=succeeded,
        detail=detail[:500],
        ip_address=client_address(request),
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:200]
    entry.save()
    return entry


def audit_personal_data_opened(request, target, detail: str = "") -> AuditEntry:
    """Call wherever staff open a page showing a person's private data (a member's contacts,
    an applicant's ID number): records who opened which record when, never the values."""
    return audit_log(request.user, Action.PERSONAL_DATA_VIEW, target, detail, request=request)


def audit_export(request, name: str) -> AuditEntry:
    """Call from an export view: `name` says what was exported (and with which filter)."""
    query = request.GET.urlencode()
    return audit_log(request.user, Action.EXPORT, detail=f"{name}{'?' + query if query else ''}", request=request)


def audit_log_prune(*, days: int | None = None, now=None) -> int:
    """Delete entries older than `days` (default AUDIT_LOG_RETENTION_DAYS); never fewer than 180."""
    days = settings.AUDIT_LOG_RETENTION_DAYS if days is None else days
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"审计日志至少保存 {MIN_RETENTION_DAYS} 天，不能清理 {days} 天内的记录。")
    if days > MAX_RETENTION_DAYS:
        raise ValueError(f"保存天数最多 {MAX_RETENTION_DAYS} 天（100年）。")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    # A bulk delete does not call the model's delete (which refuses): this is the only way out.
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted
