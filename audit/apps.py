from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "安全审计"

    def ready(self):
        from . import signals
        from .roles import ensure_auditor_role

        signals.connect()
        post_migrate.connect(ensure_auditor_role, dispatch_uid="audit.ensure_auditor_role")
        checks.register(check_retention)


def check_retention(app_configs, **kwargs):
    from django.conf import settings

    from .services import MIN_RETENTION_DAYS

    if settings.AUDIT_LOG_RETENTION_DAYS < MIN_RETENTION_DAYS:
        return [
            checks.Error(
                f"AUDIT_LOG_RETENTION_DAYS is {settings.AUDIT_LOG_RETENTION_DAYS}; the 网络安全法 (Art. 21) "
                f"requires logs to be kept at least {MIN_RETENTION_DAYS} days.",
                id="audit.E001",
            )
        ]
    return []
