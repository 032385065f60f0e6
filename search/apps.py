from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "站内检索与开放数据"

    def ready(self):
        from disclosures.registry import register_body_transformer

        from . import signals

        # Each adapter registers its source, numbers and sitemap; proposals after
        # disclosures, so its 第N号提案 lookup replaces the title-based fallback.
        from .adapters import (  # noqa: F401
            communities,
            disclosures,  # noqa: F401
            inforequests,
            proposals,
        )
        from .crossref import record_body_links

        signals.connect()
        register_body_transformer(record_body_links)
