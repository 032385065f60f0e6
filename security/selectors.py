from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice


def second_factor_required(user) -> bool:
    """Staff always; anyone else once they have enrolled an authenticator (opt-in)."""
    return user.is_staff or user_has_device(user)


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0
