"""Registers this app with the foundation's registries (imported from AppConfig.ready)."""

from django.db.models.signals import pre_delete
from django.template.loader import render_to_string

from core.demo import register_demo_loader
from core.navigation import register_section
from core.roles import register_role_models
from core.sitemaps import register_sitemap
from disclosures.models import DisclosureRecord
from disclosures.registry import register_record_panel, register_restore_step

from . import selectors, services
from .sitemaps import ProposalPagesSitemap, ProposalsSitemap

register_section(
    title="建议提案办理",
    url_name="proposals:list",
    position=20,
    children=[
        ("建议提案答复", "proposals:list"),
        ("一号一查", "proposals:lookup"),
        ("办理情况统计", "proposals:statistics"),
        ("代表委员登录", "login"),
    ],
)


@register_record_panel
def reply_panel(record):
    """On a disclosure record that is a published reply: "本件为…第102114号提案的答复"."""
    reply = selectors.public_reply_for_record(record=record)
    if reply is None:
        return None
    return render_to_string("proposals/_record_panel.html", {"reply": reply, "proposal": reply.proposal})


def _load_demo():
    from .demo import demo_member_account, load_demo_data

    return f"{load_demo_data()}; {demo_member_account()}"


register_demo_loader("proposals", _load_demo)

register_role_models(
    "proposals",
    content=["proposal", "reply", "member"],
    reference=["assembly", "session", "replycategory", "satisfactionlevel"],
    reviewer_extra=["publish_reply", "change_feedback"],
)

register_sitemap("proposal-pages", ProposalPagesSitemap)
register_sitemap("proposals", ProposalsSitemap)

pre_delete.connect(services.record_deleting, sender=DisclosureRecord, dispatch_uid="proposals.record_deleting")
register_restore_step(services.record_restored)
