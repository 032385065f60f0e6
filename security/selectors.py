from django.core.cache import cache
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from core.stamped import StampedLookups

HAS_DEVICE_KEY = "security:has-device:{}"
# The middleware asks on every request of a signed-in user not yet past the second step (a
# member without an authenticator, say), at a query per kind of device. Adding or removing a
# device forgets the answer at once (forget_second_factor); the minute bounds what a
# process-local cache (no REDIS_URL) can miss in another process.
HAS_DEVICE_SECONDS = 60


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0


def has_second_factor(user) -> bool:
    """django_otp.user_has_device (a confirmed authenticator or recovery codes), kept briefly."""
    key = HAS_DEVICE_KEY.format(user.pk)
    value = cache.get(key)
    if value is None:
        value = user_has_device(user)
        cache.set(key, value, HAS_DEVICE_SECONDS)
    return value


def forget_second_factor(sender, instance, **kwargs):
    cache.delete(HAS_DEVICE_KEY.format(instance.user_id))


# (user id, confirmed) of each second factor a session was verified with, until any device is
# saved or deleted (security.middleware.KeptDeviceOTPMiddleware; docs/decisions/0109).
kept_devices = StampedLookups("security:otp-device")


def device_fact(persistent_id: str) -> tuple[int, bool] | None:
    """(user id, confirmed) of the device django_otp's session entry names; None if there is none."""

    def read():
        device = Device.from_persistent_id(persistent_id)
        return None if device is None else (device.user_id, device.confirmed)

    return kept_devices.get(persistent_id, read)
