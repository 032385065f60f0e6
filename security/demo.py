"""Demo accounts (演示账号) for trying the site: one per role, created by the apps' demo loaders
with a known password and, for staff, an authenticator already bound (two-step sign-in), so a
person can sign in without a shell. Never under production settings (core.demo), and
`manage.py check --database default` (run by every migrate) reports any left in a database
that production settings open (security/checks.py).

The TOTP secret and the recovery codes are derived from the username, so the same account has
the same ones after every `make run`: an authenticator app set up once keeps working, and the
recovery codes printed on the console (and the first in the README) are restored each time."""

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.demo import refuse_unless_demo_allowed

from .services import AUTHENTICATOR_NAME, RECOVERY_NAME, totp_secret_text

DEMO_GROUP = "演示账号"  # no permissions: it only marks the accounts as demo ones
RECOVERY_CODES = 3


@dataclass
class DemoAccount:
    user: object
    role: str
    password: str
    secret: str = ""  # as typed into an authenticator app
    code: str = ""  # what the authenticator shows now
    recovery_codes: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.role}：用户名 {self.user.get_username()}  密码 {self.password}"]
        if self.recovery_codes:
            parts.append(f"恢复码 {' '.join(self.recovery_codes)}（每个用一次，重新加载演示数据后恢复）")
            parts.append(f"此刻验证码 {self.code}  TOTP 密钥 {self.secret}")
        return "  ".join(parts)


def demo_recovery_codes(username: str) -> list[str]:
    digest = hashlib.sha256(f"govportal-demo-recovery:{username}".encode()).hexdigest()
    return [str(int(digest[i * 12 : (i + 1) * 12], 16))[-8:].zfill(8) for i in range(RECOVERY_CODES)]


def _totp_key(username: str) -> str:
    return hashlib.sha1(f"govportal-demo-totp:{username}".encode()).hexdigest()  # 20 bytes, as hex


def _current_code(device: TOTPDevice) -> str:
    from django_otp.oath import totp

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


@transaction.atomic
def demo_account_ensure(
    *,
    username: str,
    password: str,
    full_name: str,
    role: str,
    groups=(),
    staff=True,
    superuser=False,
    second_factor=True,
) -> DemoAccount:
    """Create (or reset) a demo account; refused unless settings allow demo data."""
    refuse_unless_demo_allowed()
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.first_name, user.is_staff, user.is_superuser, user.is_active = full_name, staff, superuser, True
    validate_password(password, user)  # the same rules as every account (ADR 0030)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=DEMO_GROUP)[0], *Group.objects.filter(name__in=groups))
    if not second_factor:
        return DemoAccount(user=user, role=role, password=password)
    device, _ = TOTPDevice.objects.update_or_create(
        user=user,
        name=AUTHENTICATOR_NAME,
        defaults={"key": _totp_key(username), "confirmed": True, "drift": 0, "last_t": -1},
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    recovery, _ = StaticDevice.objects.update_or_create(user=user, defaults={"name": RECOVERY_NAME, "confirmed": True})
    recovery.token_set.all().delete()
    codes = demo_recovery_codes(username)
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    return DemoAccount(
        user=user,
        role=role,
        password=password,
        secret=totp_secret_text(device),
        code=_current_code(device),
        recovery_codes=codes,
    )


def is_demo_account(user) -> bool:
    return user.groups.filter(name=DEMO_GROUP).exists()


def demo_accounts_exist(using="default") -> bool:
    return get_user_model().objects.using(using).filter(groups__name=DEMO_GROUP).exists()
