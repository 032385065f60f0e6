from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "建议提案办理"

    def ready(self):
        # Hooks into the catalogue, the navigation and `load_demo_data` (registries, so that
        # disclosures and portal never import this app).
        from . import hooks  # noqa: F401
        from .selectors import connect_signals

        connect_signals()
