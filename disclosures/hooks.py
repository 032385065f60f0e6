"""Registers the catalogue with core's registries (imported from DisclosuresConfig.ready)."""

from django.db.models.signals import post_delete, post_save

from audit.models import Action
from audit.services import audit_log
from core.current import current_user
from core.demo import register_demo_loader
from core.navigation import register_section
from core.roles import register_role_models
from core.sitemaps import register_sitemap

from .models import AgencyMembership
from .sitemaps import RecordSitemap

# Later apps add 法定主动公开内容 (12), 年报 (14) and 依申请公开 (16) between 制度 and 目录.
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


def _membership_changed(sender, instance, created=None, **kwargs):
    """Which agencies a staff member belongs to decides whose drafts, cases and applicants'
    particulars they reach: a change to it is a change to who may do what (audit log)."""
    verb = "移除" if created is None else ("增加" if created else "修改")
    audit_log(
        current_user(),
        Action.PERMISSION_CHANGE,
        instance.user,
        f"{verb}所属机构：{instance.organization}",
    )


post_save.connect(_membership_changed, sender=AgencyMembership, dispatch_uid="disclosures.membership_saved")
post_delete.connect(_membership_changed, sender=AgencyMembership, dispatch_uid="disclosures.membership_deleted")
