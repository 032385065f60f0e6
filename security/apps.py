"""The security app, and the names staff read in the admin for the sign-in libraries' models
(django-axes, django-otp): their own names are English, some not even marked for translation."""

from axes.apps import AppConfig as _AxesConfig
from django.apps import AppConfig
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.apps import DefaultConfig as _StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as _TOTPConfig


def translatable_names(app_config):
    """Each model's and field's name and help text through the translation catalog
    (locale/zh_Hans), where the library gives plain strings: admin labels are read from them."""
    for model in app_config.get_models():
        meta = model._meta
        if not isinstance(meta.verbose_name, Promise):
            # The plural Django derived from a plain name is English whatever the language.
            meta.verbose_name_plural = gettext_lazy(str(meta.verbose_name_plural))
            meta.verbose_name = gettext_lazy(meta.verbose_name)
        for field in meta.local_fields:
            field.verbose_name = _lazy(field.verbose_name)
            field.help_text = _lazy(field.help_text)


def _lazy(text):
    return text if not text or isinstance(text, Promise) else gettext_lazy(text)


class AxesConfig(_AxesConfig):
    verbose_name = "登录失败与锁定"


class TOTPConfig(_TOTPConfig):
    verbose_name = "身份验证器"

    def ready(self):
        super().ready()
        translatable_names(self)


class StaticConfig(_StaticConfig):
    verbose_name = "恢复码"

    def ready(self):
        super().ready()
        translatable_names(self)


class SecurityConfig(AppConfig):
    default = True  # this module holds other AppConfigs too (the libraries' above)
    name = "security"
    verbose_name = "登录安全"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from django_otp import device_classes

        from . import checks  # noqa: F401  (registers the demo-account check)
        from .permissions import connect_signals
        from .selectors import forget_second_factor, kept_devices
        from .throttle import forget_user

        connect_signals()

        for model in device_classes():
            post_save.connect(forget_second_factor, sender=model, dispatch_uid=f"forget-second-factor-{model.__name__}")
            post_delete.connect(
                forget_second_factor, sender=model, dispatch_uid=f"forget-second-factor-del-{model.__name__}"
            )
            post_save.connect(kept_devices.forget_all, sender=model, dispatch_uid=f"kept-device-{model.__name__}")
            post_delete.connect(kept_devices.forget_all, sender=model, dispatch_uid=f"kept-device-del-{model.__name__}")
            post_delete.connect(forget_user, sender=model, dispatch_uid=f"second-step-failures-{model.__name__}")
