from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "迁移导入"

    def ready(self):
        # Publishing waits for staff to check lost characters; the roles cover the import
        # screens (registries, so that disclosures never imports this app).
        from . import hooks  # noqa: F401
