from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "网站设置"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import pagecache

        # Any content save or delete, from any app or command, invalidates cached pages.
        pagecache.connect_signals()
        # So does a release: every deployment runs migrate (docs/deployment.md), and kept pages
        # and fragments were rendered by the previous release's templates and code.
        post_migrate.connect(pagecache.invalidate_after_migrate, sender=self)
