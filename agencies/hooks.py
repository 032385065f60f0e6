"""Registers the agencies' 政府信息公开 sections with core's registries (from AgenciesConfig.ready)."""

from core.navigation import register_section, register_section_entry
from core.roles import register_role_models
from core.sitemaps import register_sitemap

from .sitemaps import AgencySectionSitemap

# The 本级政府's 法定主动公开内容 is the site column's (国办公开办函〔2019〕61号), between 制度 and 年报.
register_section(title="法定主动公开内容", url_name="statutory", position=12.3)
register_section_entry(section="disclosures:catalogue", title="法定主动公开内容", url_name="statutory", position=12)
register_section(title="机构信息公开", url_name="agencies:index", position=13)
register_sitemap("agencies", AgencySectionSitemap)

register_role_models("agencies", content=[], reference=["statutorycolumn"])
