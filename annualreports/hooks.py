"""Registers the annual reports with core's registries (imported from AnnualReportsConfig.ready)."""

from core.demo import register_demo_loader
from core.navigation import register_section, register_section_entry
from core.roles import register_role_models
from core.sitemaps import register_sitemap
from disclosures.registry import register_body_transformer, register_publish_check

from . import selectors
from .sitemaps import AnnualReportsSitemap

register_section(title="政府信息公开年报", url_name="annualreports:index", position=12.6)
register_section_entry(
    section="disclosures:catalogue", title="政府信息公开年报", url_name="annualreports:index", position=14
)
register_sitemap("annual-reports", AnnualReportsSitemap)


def _load_demo():
    from .demo import load_demo_data

    return load_demo_data()


register_role_models(
    "annualreports",
    content=["annualreport", "reviewcase"],
    reviewer_extra=["publish_annualreport", "delete_reviewcase"],
)
register_demo_loader("annualreports", _load_demo)


@register_body_transformer
def report_tables_with_headers(record, body, params):
    return selectors.record_body_with_report_tables(record, body)


@register_publish_check
def _report_deleted(record):
    """A 年报's record whose report was deleted (after its withdrawal, ADR 0137) is not published
    again from the records admin: its page would be gone, and its tables no one's."""
    if record.pk is None:
        return None
    if selectors.report_deleted_for(record):
        return "这条记录所属的年报已删除，不能重新发布：请重新编制该年报并从年报发布。"
    return None
