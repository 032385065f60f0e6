"""Two-factor pages (for staff, required; for committee members, opt-in) and the idle-timeout
warning. They use the site's look: members and staff both reach them from /accounts/."""

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

from . import selectors, services
from .forms import AuthenticatorCodeForm, TokenForm
from .middleware import KEPT_SUBMISSION_KEY, kept_submission


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


@never_cache  # the secret, then the recovery codes: not left in a shared browser's cache
@login_required
def setup(request):
    if user_has_device(request.user) and not request.user.is_verified():
        # A second authenticator only after proving the first (else a stolen password suffices).
        return redirect(f"{reverse('security:verify')}?next={request.path}")
    device = services.totp_pending_device(request.user)
    form = AuthenticatorCodeForm(request.POST or None)
    if form.is_valid():
        try:
            codes = services.totp_confirm(request=request, device=device, token=form.cleaned_data["token"])
        except services.SecondStepHeldBack as held:
            _held_back(form, held)
        else:
            if codes is not None:
                return render(
                    request,
                    "security/recovery_codes.html",
                    {
                        **_page("恢复码"),
                        "codes": codes,
                        "next": _next_url(request, _default_next(request.user)),
                    },
                )
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
        },
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
                return redirect(_next_url(request, _default_next(request.user)))
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
