"""Registers the agencies' 政府信息公开 sections with core's registries (from AgenciesConfig.ready)."""

from core.navigation import register_section
from core.roles import register_role_models
from core.sitemaps import register_sitemap

from .sitemaps import AgencySectionSitemap

register_section(title="机构信息公开", url_name="agencies:index", position=13)
register_sitemap("agencies", AgencySectionSitemap)

register_role_models("agencies", content=[], reference=["statutorycolumn"])
