"""Signing staff in for tests: the admin requires a second factor (security/middleware.py), so
`client.force_login(staff)` alone reaches no admin page. This is the state after the full
two-step sign-in: a confirmed authenticator, and the session verified with it."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "测试验证器"})
    return device


def current_code(device: TOTPDevice) -> str:
    """What the staff member's authenticator app shows now, computed from the device's key."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def sign_in_staff(client, user):
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
    return client


def enrolment_code(user) -> str:
    """An enrolment code for binding the user's first authenticator, as an administrator would
    hand it over (security.services.enrolment_code_issue)."""
    from security.models import EnrolmentCode
    from security.services import enrolment_code_issue

    code, _ = enrolment_code_issue(user=user, channel=EnrolmentCode.Channel.ADMIN)
    return code
