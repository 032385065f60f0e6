"""Registers the annual reports with core's registries (imported from AnnualReportsConfig.ready)."""

from core.demo import register_demo_loader
from core.roles import register_role_models


def _load_demo():
    from .demo import load_demo_data

    return load_demo_data()


register_role_models(
    "annualreports",
    content=["annualreport", "reviewcase"],
    reviewer_extra=["publish_annualreport", "delete_reviewcase"],
)
register_demo_loader("annualreports", _load_demo)
