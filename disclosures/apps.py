from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DisclosuresConfig(AppConfig):
    name = "disclosures"
    verbose_name = "政府信息公开"

    def ready(self):
        from .roles import ensure_roles

        # No sender: permissions of apps after this one exist only once their own signal has run.
        post_migrate.connect(ensure_roles, dispatch_uid="disclosures.ensure_roles")
