from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "登录安全"

    def ready(self):
        from . import checks  # noqa: F401  (registers the demo-account check)
