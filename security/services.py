"""Second-factor enrolment and verification (django-otp devices: TOTP, and static recovery codes)."""

import base64
import io

import django_otp
from django.db import transaction
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action
from audit.services import audit_log
from core.mail import send_after_commit

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_DIGITS = 6  # TOTPDevice's default, which enrolment keeps
AUTHENTICATOR_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"


def _session_verified(request, device) -> None:
    """Mark the session as past the second step, under a new key (and CSRF token), as Django's
    login() does at the password step: whoever learnt the half signed-in session's key must not
    ride on it once its owner has typed the code."""
    django_otp.login(request, device)
    request.session.cycle_key()
    rotate_token(request)


def totp_pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (the same secret until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in (base32, in groups of four)."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_data_uri(device: TOTPDevice) -> str:
    # SVG (no Pillow), as a data: image: the CSP allows data: images, not inline styles.
    # Imported here: only the enrolment page needs it, not every worker.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class SecondStepHeldBack(Exception):
    """Recent failures hold back every device the code could be for (django-otp's throttling:
    1 s after the first, doubling) until `until`: the code was not checked."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a first token; the session is then verified and the
    recovery codes are returned (to be shown once). None if the token is wrong; raises
    SecondStepHeldBack while failures hold the device back."""
    allowed, held = device.verify_is_allowed()
    if not allowed:
        raise SecondStepHeldBack(held["locked_until"])
    if not device.verify_token(token):
        audit_log(
            request.user,
            Action.OTP_FAILED,
            request.user,
            "绑定身份验证器时验证码错误",
            request=request,
            succeeded=False,
        )
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _session_verified(request, device)
    audit_log(request.user, Action.OTP_ENROLLED, request.user, request=request)
    _tell_owner(request.user, "绑定了身份验证器")
    return recovery_codes_issue(request=request, told=True)


def _tell_owner(user, what):
    """Mail the account's owner that `what` happened to their second step. Enrolment trusts
    whoever first signs in with the password: should that be someone else, or should someone
    take new recovery codes, the owner learns of it at once and asks for a reset."""
    if not user.email:
        return
    when = timezone.localtime()
    send_after_commit(
        f"账号安全提醒：{what}",
        f"您的账号 {user.get_username()} 于 {when:%Y年%m月%d日 %H:%M}（北京时间）{what}。\n"
        "如果这不是您本人的操作，请立即联系系统管理员重置两步验证，并修改密码。",
        [user.email],
        about=f"second-step notice to user {user.pk}",
    )


@transaction.atomic
def recovery_codes_issue(*, request, told=False) -> list[str]:
    """A new set of single-use recovery codes; the previous set stops working. The owner is
    mailed (`told`: the enrolment that issues them has mailed already)."""
    device, _ = StaticDevice.objects.get_or_create(user=request.user, defaults={"name": RECOVERY_NAME})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_log(request.user, Action.RECOVERY_CODES_ISSUED, request.user, f"{len(codes)} 个", request=request)
    if not told:
        _tell_owner(request.user, "重新生成了恢复码")
    return codes


def _could_be_from(device, token: str) -> bool:
    """An authenticator gives 6 digits; anything else is a recovery code. Each code is tried on
    the devices it could be from only, so that mistyped authenticator codes (throttling counts
    per device) do not hold back the recovery codes the owner needs the day the phone is lost."""
    from_authenticator = token.isdigit() and len(token) == AUTHENTICATOR_DIGITS
    return from_authenticator == isinstance(device, TOTPDevice)


def second_factor_verify(*, request, token: str) -> bool:
    """Check a code from the authenticator or a recovery code (used up once accepted). Raises
    SecondStepHeldBack while failures hold back every device the code could be from."""
    user = request.user
    devices = [device for device in django_otp.devices_for_user(user) if _could_be_from(device, token)]
    held = [data for allowed, data in (device.verify_is_allowed() for device in devices) if not allowed]
    if devices and len(held) == len(devices):
        audit_log(user, Action.OTP_FAILED, user, "连续输错，暂停验证", request=request, succeeded=False)
        raise SecondStepHeldBack(min(data["locked_until"] for data in held))
    for device in devices:
        if django_otp.verify_token(user, device.persistent_id, token):
            _session_verified(request, device)
            recovery = isinstance(device, StaticDevice)
            audit_log(user, Action.RECOVERY_CODE_USED if recovery else Action.OTP_VERIFIED, user, request=request)
            return True
    audit_log(user, Action.OTP_FAILED, user, "验证码错误", request=request, succeeded=False)
    return False
