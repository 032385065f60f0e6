from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "disclosures"
    verbose_name = "政府信息公开"

    def ready(self):
        from . import hooks  # noqa: F401
