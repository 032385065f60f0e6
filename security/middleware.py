import datetime as dt
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from audit.models import Action
from audit.services import audit_log
from core.kept_uploads import KeptFileInput, keep

from .selectors import device_fact, has_second_factor

LAST_ACTIVITY_KEY = "staff_last_activity"
# A form sent after the session had ended, kept in the signed-out browser's session for the same
# staff member to send again once signed in (security.views.resubmit): nothing typed is lost.
KEPT_SUBMISSION_KEY = "staff_kept_submission"
KEPT_SUBMISSION_MAX_CHARS = 2_000_000  # a long record body and its form; more is not kept
KEPT_SUBMISSION_SECONDS = 24 * 3600


class KeptDeviceOTPMiddleware(OTPMiddleware):
    """django_otp's middleware, without reading the second factor's row on every staff request.

    What it decides with the row — the device exists, is confirmed and is the user's — is kept
    by security.selectors.device_fact until any device changes (core.stamped: a device removed
    or unconfirmed is seen by the next request, in every process). The device itself is loaded
    only if something uses more than those facts (request.user.otp_device.name, say)."""

    def _device_from_persistent_id(self, persistent_id):
        persistent_id = self._normalize_persistent_id(persistent_id)
        fact = device_fact(persistent_id)
        if fact is None:
            return None
        device = SimpleLazyObject(lambda: Device.from_persistent_id(persistent_id))
        # Plain attributes of the proxy: reading them does not load the device.
        device.__dict__["user_id"], device.__dict__["confirmed"] = fact
        return device


def _admin_path(path):
    """The admin and every other staff-only area (STAFF_AREAS: the 依申请公开 case pages hold
    applicants' personal data): staff must pass the second step to reach any of them."""
    return path.startswith((reverse("admin:index"), *getattr(settings, "STAFF_AREAS", ())))


class TwoFactorMiddleware:
    """A signed-in user who must use a second factor and has not yet done so in this session
    is half signed in: staff reach no admin page, and anyone with an authenticator reaches
    nothing but the second step (and signing out) until they pass it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not self._exempt(request.path):
            target = self._target(user, request.path)
            if target:
                return redirect_to_login(request.get_full_path(), reverse(target))
        return self.get_response(request)

    @staticmethod
    def _target(user, path):
        if has_second_factor(user):
            return "security:verify"
        if user.is_staff and _admin_path(path):
            return "security:setup"
        return None

    @staticmethod
    def _exempt(path):
        prefixes = [reverse("security:index"), reverse("admin:logout"), reverse("logout"), settings.STATIC_URL]
        return any(path.startswith(prefix) for prefix in prefixes)


class StaffIdleTimeoutMiddleware:
    """等保 2.0 登录连接超时自动退出: a staff session idle for STAFF_IDLE_TIMEOUT_SECONDS ends at
    the next request. Sets `request.staff_session` (when it ends, when to warn) for the notice
    on every admin page (templates/admin/base_site.html, static/js/idle-timeout.js)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff:
            kept = kept_submission(request)
            if kept is not None and request.path == urlsplit(kept["path"]).path:
                if request.method == "GET" and user.is_verified():
                    return redirect("security:resubmit")  # back where it was sent: send it again?
                if request.method == "POST":
                    del request.session[KEPT_SUBMISSION_KEY]  # sent again (or anew)
            timeout = settings.STAFF_IDLE_TIMEOUT_SECONDS
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > timeout:
                return self._sign_out(request, user, timeout)
            # Written at most once a minute (a fifteenth of the timeout): a session written on
            # every staff request is an UPDATE and a COMMIT on every admin page. The session
            # then ends up to that much before the timeout after the last request, never after.
            if last is None or now - last >= min(60, timeout / 15):
                request.session[LAST_ACTIVITY_KEY] = last = now
            request.staff_session = SimpleNamespace(
                ends_at=dt.datetime.fromtimestamp(last + timeout, tz=dt.UTC),
                warn_in=max(round(last + timeout - settings.STAFF_IDLE_WARNING_SECONDS - now), 0),
            )
        return self.get_response(request)

    @staticmethod
    def _sign_out(request, user, timeout):
        minutes = round(timeout / 60)
        audit_log(user, Action.IDLE_LOGOUT, user, f"{minutes} 分钟无操作", request=request)
        request.audit_logout_recorded = True  # not a second, plain "退出" entry
        sent = _submission(request, user) if request.method == "POST" else None
        logout(request)
        message = f"由于 {minutes} 分钟无操作，您已自动退出登录，请重新登录。"
        if sent is not None:
            # The new, signed-out session: login() keeps its data for the same browser.
            request.session[KEPT_SUBMISSION_KEY] = sent
            message += "您刚才提交的内容已保留，重新登录后可以再次提交。"
        messages.warning(request, message)
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))


def _submission(request, user):
    """What a form sent after the session ended held, or None when there is nothing to keep or
    too much. Its files are stored as a form shown again keeps them (core.kept_uploads): sent
    again, each file field finds its file by the token beside it."""
    fields = [(name, value) for name, values in request.POST.lists() for value in values]
    fields = [(name, value) for name, value in fields if name != "csrfmiddlewaretoken"]
    if not fields or sum(len(name) + len(value) for name, value in fields) > KEPT_SUBMISSION_MAX_CHARS:
        return None
    files, lost = [], []
    for name, uploads in request.FILES.lists():
        for upload in uploads:
            try:
                fields.append((KeptFileInput.kept_name(name), keep(upload)))
                files.append(upload.name)
            except OSError:  # the storage refused it: named, to be chosen again
                lost.append(upload.name)
    return {
        "user": user.pk,
        "path": request.get_full_path(),
        "fields": fields,
        "files": files,
        "lost_files": lost,
        "at": time.time(),
    }


def kept_submission(request):
    """The form this staff member sent after their session had ended, while it may be sent again."""
    kept = request.session.get(KEPT_SUBMISSION_KEY)
    if not kept:
        return None
    if kept.get("user") != request.user.pk or time.time() - kept.get("at", 0) > KEPT_SUBMISSION_SECONDS:
        del request.session[KEPT_SUBMISSION_KEY]
        return None
    return kept
