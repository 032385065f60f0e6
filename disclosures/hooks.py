"""Registers the catalogue with core's registries (imported from DisclosuresConfig.ready)."""

from core.demo import register_demo_loader
from core.navigation import register_section
from core.roles import register_role_models
from core.sitemaps import register_sitemap

from .sitemaps import RecordSitemap

register_section(
    title="政府信息公开",
    url_name="disclosures:catalogue",
    position=10,
    children=[
        ("政府信息公开指南", "disclosures:guide"),
        ("政府信息公开制度", "disclosures:policy"),
        ("政府信息公开目录", "disclosures:catalogue"),
    ],
)
register_section(title="政府信息公开指南", url_name="disclosures:guide", position=11)
register_section(title="政府信息公开制度", url_name="disclosures:policy", position=12)

register_role_models(
    "disclosures",
    content=["disclosurerecord", "attachment"],
    reference=["organization", "topic", "genre", "page"],
    reviewer_extra=["publish_disclosurerecord", "delete_attachment"],
    review_stages={stage: [f"review_{stage}_disclosurerecord"] for stage in ("first", "second", "final")},
)

register_sitemap("records", RecordSitemap)


def _load_demo():
    from .demo import load_demo_data

    return load_demo_data()


register_demo_loader("disclosures", _load_demo)
