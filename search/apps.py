from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "站内检索与开放数据"

    def ready(self):
        from . import signals
        from .adapters import disclosures  # noqa: F401  (registers its source and numbers)

        signals.connect()
