from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "网站设置"

    def ready(self):
        from core.navigation import register_section
        from core.pagecache import register_variant_cookie
        from core.site import register_site_settings
        from core.sitemaps import register_sitemap

        from .models import SiteSettings
        from .preferences import COOKIE_NAME, ReaderPreferences
        from .sitemaps import FixedPagesSitemap

        register_section(title="首页", url_name="portal:home", position=0)
        register_sitemap("pages", FixedPagesSitemap)
        register_site_settings(SiteSettings.current)
        # Pages differ by the reader's preferences (长者模式, font size, contrast): the page
        # cache keys on them.
        register_variant_cookie(COOKIE_NAME, lambda raw: ReaderPreferences.from_cookie(raw).cache_key)
