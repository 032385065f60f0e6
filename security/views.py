"""Two-factor pages (for staff, required; for committee members, opt-in) and the idle-timeout
warning. They use the site's look: members and staff both reach them from /accounts/."""

import datetime as dt
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from core.pages import PageMeta

from . import selectors, services, throttle
from .forms import EnrolmentForm, TokenForm
from .middleware import KEPT_SUBMISSION_KEY, kept_submission
from .models import EnrolmentCode


def _page(name):
    return {"column": PageMeta(name=name)}


def _next_url(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: redirect() would read anything else ("foo") as a URL name.
    local = target.startswith("/") and not target.startswith("//")
    if local and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _held_back(form, held):
    # Each failure doubles the wait (django-otp): past a day, the date too.
    until = timezone.localtime(held.until)
    when = f"{until:%H:%M:%S}" if until.date() == timezone.localdate() else f"{until:%Y-%m-%d %H:%M}"
    form.add_error("token", f"输错次数过多，验证已暂停，请于 {when} 后再输入验证码，或联系系统管理员。")


def _default_next(user):
    return reverse("admin:index") if user.is_staff else reverse("security:index")


@never_cache
@login_required
def index(request):
    return render(
        request,
        "security/index.html",
        {
            **_page("两步验证"),
            "enabled": user_has_device(request.user),
            "required": request.user.is_staff,
            "verified": request.user.is_verified(),
            "codes_left": selectors.recovery_codes_left(request.user),
        },
    )


MAILED_KEY = "security_enrolment_mailed"  # until when the code this session had mailed is good


def _masked_address(email: str) -> str:
    """Enough for the owner to know which mailbox to open; not the address to whoever else has
    the password."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _mailed_until(request):
    until = request.session.get(MAILED_KEY)
    until = until and dt.datetime.fromisoformat(until)
    return timezone.localtime(until) if until and until > timezone.now() else None


@never_cache  # the secret, then the recovery codes: not left in a shared browser's cache
@login_required
def setup(request):
    user = request.user
    if user_has_device(user) and not user.is_verified():
        # A second authenticator only after proving the first (else a stolen password suffices).
        return redirect(f"{reverse('security:verify')}?next={request.path}")
    needs_code = services.enrolment_code_needed(user)
    device = services.totp_pending_device(request)
    status = 200
    if request.method == "POST" and "send_code" in request.POST:
        form = EnrolmentForm(needs_code=needs_code)
        try:
            if not needs_code:
                raise services.EnrolmentRefused("您已绑定身份验证器，无需绑定验证码。")
            expires = services.enrolment_code_mail(request=request)
        except services.EnrolmentRefused as refused:
            form.cleaned_data = {}  # unbound (nothing typed was sent): add_error needs it
            form.error_title = "未能发送绑定验证码"  # the <title>: nothing typed was wrong
            form.add_error("enrolment_code" if needs_code else None, refused.message)
            status = 429 if user.email and needs_code else 400
        else:
            request.session[MAILED_KEY] = expires.isoformat()
            target = _next_url(request, "")
            return redirect(f"{request.path}?next={quote(target, safe='/')}" if target else request.path)
    else:
        form = EnrolmentForm(request.POST or None, needs_code=needs_code)
    if request.method == "POST" and form.is_bound and form.is_valid():
        code = form.cleaned_data.get("enrolment_code", "")
        try:
            if needs_code:
                services.enrolment_code_check(request=request, code=code)
            codes = services.totp_confirm(
                request=request, device=device, token=form.cleaned_data["token"], enrolment_code=code
            )
        except services.EnrolmentRefused as refused:
            form.add_error("enrolment_code", refused.message)
        except services.SecondStepHeldBack as held:
            _held_back(form, held)
        else:
            if codes is not None:
                request.session.pop(MAILED_KEY, None)
                response = render(
                    request,
                    "security/recovery_codes.html",
                    {
                        **_page("恢复码"),
                        "codes": codes,
                        "next": _next_url(request, _default_next(request.user)),
                    },
                )
                throttle.remember_browser(request, response)
                return response
            form.add_error("token", "验证码不正确，请核对手机时间后重新输入。")
    return render(
        request,
        "security/setup.html",
        {
            **_page("绑定身份验证器"),
            "form": form,
            "qr": services.totp_qr_data_uri(device),
            "secret": services.totp_secret_text(device),
            "next": _next_url(request, ""),
            "needs_code": needs_code,
            "masked_email": _masked_address(user.email) if user.email else "",
            "mailed_until": _mailed_until(request) if needs_code else None,
            "mail_minutes": int(services.ENROLMENT_CODE_LIFETIME[EnrolmentCode.Channel.MAIL].total_seconds() // 60),
        },
        status=status,
    )


@never_cache
@login_required
def verify(request):
    if not user_has_device(request.user):
        return redirect("security:setup")
    form = TokenForm(request.POST or None)
    if form.is_valid():
        try:
            if services.second_factor_verify(request=request, token=form.cleaned_data["token"]):
                response = redirect(_next_url(request, _default_next(request.user)))
                throttle.remember_browser(request, response)
                return response
            form.add_error("token", "验证码不正确或已使用（连续输错后须稍等几秒再试）。")
        except services.SecondStepHeldBack as held:
            _held_back(form, held)
    return render(
        request,
        "security/verify.html",
        {
            **_page("两步验证"),
            "form": form,
            "next": _next_url(request, ""),
        },
    )


@never_cache
@require_POST
@login_required
def recovery_codes(request):
    if not request.user.is_verified():
        return redirect("security:verify")
    codes = services.recovery_codes_issue(request=request)
    return render(
        request, "security/recovery_codes.html", {**_page("恢复码"), "codes": codes, "next": reverse("security:index")}
    )


@require_POST
@login_required
def session_keepalive(request):
    """ "继续工作" on the idle warning (static/js/idle-timeout.js): the request itself is the
    activity; answers when the session now ends."""
    state = getattr(request, "staff_session", None)
    if state is None:
        return HttpResponse(status=204)
    return JsonResponse(
        {
            "ends_at": state.ends_at.isoformat(),
            "label": f"{timezone.localtime(state.ends_at):%H:%M}",
            "warn_in": state.warn_in,
        }
    )


@never_cache
@login_required
def resubmit(request):
    """The form a staff member sent after their session had ended (security.middleware): sent
    again with the button, as it was (the page's own checks, an edit conflict included, apply),
    or let go."""
    kept = kept_submission(request)
    if kept is None or not request.user.is_verified():
        return redirect(_default_next(request.user))
    if request.method == "POST":  # 放弃
        del request.session[KEPT_SUBMISSION_KEY]
        return redirect(_next_url(request, _default_next(request.user)))
    return render(request, "security/resubmit.html", {**_page("重新提交"), "kept": kept})
