from django.apps import AppConfig


class SecurityConfig(AppConfig):
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
