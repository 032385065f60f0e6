"""Second-factor enrolment and verification (django-otp devices: TOTP, and static recovery codes)."""

import base64
import datetime as dt
import io
import secrets

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action
from audit.services import audit_log
from core.client_ip import client_network
from core.mail import send_after_commit

from . import ratelimit, throttle
from .models import EnrolmentCode

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_DIGITS = 6  # TOTPDevice's default, which enrolment keeps
AUTHENTICATOR_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"

ENROLMENT_CODE_DIGITS = 8
ENROLMENT_CODE_TRIES = 5  # wrong tries, then the code is void
ENROLMENT_CODE_LIFETIME = {
    EnrolmentCode.Channel.MAIL: dt.timedelta(minutes=15),
    # Handed over in person: time to meet.
    EnrolmentCode.Channel.ADMIN: dt.timedelta(hours=72),
    EnrolmentCode.Channel.COMMAND: dt.timedelta(hours=72),
}
ENROLMENT_POOL = "enrol"  # security.throttle: the new authenticator's first code


def _session_verified(request, device) -> None:
    """Mark the session as past the second step, under a new key (and CSRF token), as Django's
    login() does at the password step: whoever learnt the half signed-in session's key must not
    ride on it once its owner has typed the code."""
    django_otp.login(request, device)
    request.session.cycle_key()
    rotate_token(request)


PENDING_DEVICE_KEY = "security_pending_device"


def totp_pending_device(request) -> TOTPDevice:
    """The unconfirmed authenticator this session is setting up (the same secret until it is
    confirmed or the session ends). Each session has its own: someone who signed in with the
    password elsewhere must not have seen the secret the owner then binds."""
    user = request.user
    device = TOTPDevice.objects.filter(pk=request.session.get(PENDING_DEVICE_KEY), user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
        request.session[PENDING_DEVICE_KEY] = device.pk
    return device


def pending_authenticators_prune(*, now=None) -> int:
    """Delete the authenticators set up and never confirmed whose session has ended (it lasts
    at most SESSION_COOKIE_AGE): none can be confirmed any more, and its secret has no reason to
    stay in the database. Not audited, as a confirmed one's removal is (nothing was bound)."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    stale = TOTPDevice.objects.filter(confirmed=False).filter(Q(created_at__lt=cutoff) | Q(created_at=None))
    return stale.delete()[1].get(TOTPDevice._meta.label, 0)


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
    """Recent failures hold back this kind of code from this browser (security.throttle: 1 s
    after the first, doubling) until `until`: the code was not checked."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until


class EnrolmentRefused(Exception):
    """The enrolment code was refused (or none can be sent): `message` says why, for its field."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@transaction.atomic
def second_factor_remove(*, user) -> int:
    """Remove every authenticator and the recovery codes of `user` (a lost phone): the next
    sign-in binds a new one, with an enrolment code. Each removal is audited (audit.signals)."""
    devices = list(django_otp.devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices)


def enrolment_code_needed(user) -> bool:
    """The first authenticator (no confirmed device: a new account, or one whose devices an
    administrator removed) needs an enrolment code besides the password. Binding another one
    later needs the second step passed instead (security.views.setup)."""
    return not user_has_device(user)


def _enrolment_digest(user, code: str) -> str:
    # Keyed (SECRET_KEY) and bound to the account: a copy of the table alone gives no code.
    return salted_hmac("govportal.security.enrolment-code", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def enrolment_code_issue(*, user, channel, actor=None, request=None) -> tuple[str, dt.datetime]:
    """A new enrolment code for `user` (the one before stops working): the code, to be given to
    the owner now (it is not kept), and when it expires."""
    channel = EnrolmentCode.Channel(channel)
    code = f"{secrets.randbelow(10**ENROLMENT_CODE_DIGITS):0{ENROLMENT_CODE_DIGITS}d}"
    now = timezone.now()
    expires = now + ENROLMENT_CODE_LIFETIME[channel]
    EnrolmentCode.objects.update_or_create(
        user=user,
        defaults={
            "digest": _enrolment_digest(user, code),
            "channel": channel,
            "created_at": now,
            "expires_at": expires,
            "failures": 0,
        },
    )
    audit_log(actor, Action.ENROLMENT_CODE_ISSUED, user, channel.label, request=request)
    return code, expires


def enrolment_code_mail(*, request) -> dt.datetime:
    """Mail a new enrolment code to the signed-in account's own address; when it expires.
    Raises EnrolmentRefused without an address, or past the rate limits."""
    user = request.user
    if not user.email:
        raise EnrolmentRefused("您的账号没有登记电子邮箱，无法发送绑定验证码。请向系统管理员索取绑定验证码。")
    if ratelimit.hit("enrol_mail_account", user.pk) or ratelimit.hit("enrol_mail_address", client_network(request)):
        raise EnrolmentRefused("绑定验证码发送过于频繁，请一小时后再试，或向系统管理员当面索取绑定验证码。")
    code, expires = enrolment_code_issue(user=user, channel=EnrolmentCode.Channel.MAIL, actor=user, request=request)
    minutes = int(ENROLMENT_CODE_LIFETIME[EnrolmentCode.Channel.MAIL].total_seconds() // 60)
    # The code and what to do with it, nothing else: no name, no address, no account name.
    send_after_commit(
        "绑定身份验证器的验证码",
        f"绑定验证码：{code}\n\n"
        f"请在“绑定身份验证器”页面输入此验证码和身份验证器应用显示的 6 位数字。"
        f"验证码 {minutes} 分钟内有效（至北京时间 {timezone.localtime(expires):%H:%M}），只能使用一次。\n"
        "如果您没有在绑定身份验证器，说明有人知道了您的密码：请立即联系系统管理员并修改密码。",
        [user.email],
        about=f"enrolment code to user {user.pk}",
    )
    return expires


def enrolment_code_check(*, request, code: str) -> None:
    """Check the enrolment code typed with the first authenticator code (not yet used up:
    totp_confirm does that). Raises EnrolmentRefused, counting the failure; the last allowed
    failure voids the code."""
    user = request.user
    with transaction.atomic():  # left before raising: the failure counted must be kept
        row = EnrolmentCode.objects.select_for_update().filter(user=user, expires_at__gt=timezone.now()).first()
        if row is None:
            message = "绑定验证码已失效（已过期、已使用或已被新的验证码取代），请重新获取。"
        elif constant_time_compare(row.digest, _enrolment_digest(user, code)):
            return
        else:
            row.failures += 1
            audit_log(user, Action.OTP_FAILED, user, "绑定验证码错误", request=request, succeeded=False)
            if row.failures >= ENROLMENT_CODE_TRIES:
                row.delete()
                message = "绑定验证码输错次数过多，已作废，请重新获取。"
            else:
                row.save(update_fields=["failures"])
                message = f"绑定验证码不正确，还可再试 {ENROLMENT_CODE_TRIES - row.failures} 次。"
    raise EnrolmentRefused(message)


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, token: str, enrolment_code: str = "") -> list[str] | None:
    """Confirm the authenticator with a first token; the session is then verified and the
    recovery codes are returned (to be shown once). None if the token is wrong; raises
    SecondStepHeldBack while failures hold enrolment back, EnrolmentRefused when the first
    authenticator comes without a valid enrolment code (used up here, with the binding)."""
    user = request.user
    throttle.lock(user)  # codes sent at once checked one after the other (second_factor_verify)
    until = throttle.held_until(user, ENROLMENT_POOL)
    if until is not None:
        raise SecondStepHeldBack(until)
    code_row = None
    if enrolment_code_needed(user):
        code_row = (
            EnrolmentCode.objects.select_for_update()
            .filter(user=user, digest=_enrolment_digest(user, enrolment_code), expires_at__gt=timezone.now())
            .first()
        )
        if code_row is None:  # nothing written yet: the exception leaves nothing to undo
            raise EnrolmentRefused("绑定验证码已失效（已过期、已使用或已被新的验证码取代），请重新获取。")
    if not device.verify_token(token):
        throttle.failed(user, ENROLMENT_POOL)
        audit_log(user, Action.OTP_FAILED, user, "绑定身份验证器时验证码错误", request=request, succeeded=False)
        return None
    if code_row is not None:
        code_row.delete()
    throttle.passed(user, ENROLMENT_POOL)
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    request.session.pop(PENDING_DEVICE_KEY, None)
    _session_verified(request, device)
    audit_log(user, Action.OTP_ENROLLED, user, request=request)
    _tell_owner(user, "绑定了身份验证器")
    return recovery_codes_issue(request=request, told=True)


def _tell_owner(user, what):
    """Mail the account's owner that `what` happened to their second step: should it not be
    them (a second authenticator bound or new recovery codes taken in a session someone else
    got past the second step), they learn of it at once and ask for a reset."""
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


def _from_authenticator(token: str) -> bool:
    """An authenticator gives 6 digits; anything else is a recovery code. Each code is tried on
    the devices it could be from only, and its failures count in that kind's pools
    (security.throttle), so that mistyped authenticator codes do not hold back the recovery
    codes the owner needs the day the phone is lost."""
    return token.isdigit() and len(token) == AUTHENTICATOR_DIGITS


def second_factor_verify(*, request, token: str) -> bool:
    """Check a code from the authenticator or a recovery code (used up once accepted). Raises
    SecondStepHeldBack while failures hold back this kind of code from this browser (its own
    pool if it has passed the second step as this user before, else every other browser's)."""
    user = request.user
    from_authenticator = _from_authenticator(token)
    pool = throttle.pool(request, "totp" if from_authenticator else "recovery")
    devices = [d for d in django_otp.devices_for_user(user) if isinstance(d, TOTPDevice) == from_authenticator]
    accepted = None
    with transaction.atomic():
        throttle.lock(user)  # the hold-back read, the code checked and the failure counted at once
        until = throttle.held_until(user, pool)
        if until is None:
            accepted = next((d for d in devices if django_otp.verify_token(user, d.persistent_id, token)), None)
            (throttle.passed if accepted else throttle.failed)(user, pool)
    if until is not None:
        audit_log(user, Action.OTP_FAILED, user, "连续输错，暂停验证", request=request, succeeded=False)
        raise SecondStepHeldBack(until)
    if accepted is not None:
        _session_verified(request, accepted)
        recovery = isinstance(accepted, StaticDevice)
        audit_log(user, Action.RECOVERY_CODE_USED if recovery else Action.OTP_VERIFIED, user, request=request)
        return True
    audit_log(user, Action.OTP_FAILED, user, "验证码错误", request=request, succeeded=False)
    return False
