from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "社区治理"

    def ready(self):
        from . import hooks  # noqa: F401  (registers navigation, record-page panel and highlight)
