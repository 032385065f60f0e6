from django.apps import AppConfig


class AnnualReportsConfig(AppConfig):
    name = "annualreports"
    verbose_name = "政府信息公开年报"

    def ready(self):
        from . import hooks  # noqa: F401
