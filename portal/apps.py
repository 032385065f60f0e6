from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "网站设置"

    def ready(self):
        from . import pagecache

        # Any content save or delete, from any app or command, invalidates cached pages.
        pagecache.connect_signals()
