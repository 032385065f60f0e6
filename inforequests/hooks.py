"""Registers this app with the foundation's registries (imported from AppConfig.ready)."""

import datetime as dt

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.urls import reverse

from core import holiday_entry
from core.current import current_user
from core.demo import register_demo_loader
from core.models import WorkingDayOverride, WorkingDayYear
from core.navigation import register_section, register_section_entry
from core.roles import register_role_models
from core.sitemaps import register_sitemap
from disclosures.registry import register_application_link

from .sitemaps import PublishedCasesSitemap, RequestPagesSitemap

register_section(
    title="依申请公开",
    url_name="inforequests:apply",
    position=13,
    children=[
        ("在线申请", "inforequests:apply"),
        ("办理进度查询", "inforequests:status"),
        ("办理情况统计", "inforequests:statistics"),
    ],
)
register_section_entry(section="disclosures:catalogue", title="依申请公开", url_name="inforequests:apply", position=16)
register_sitemap("inforequests-pages", RequestPagesSitemap)
register_sitemap("inforequests", PublishedCasesSitemap)


def _load_demo():
    from .demo import load_demo_data

    return load_demo_data()


register_demo_loader("inforequests", _load_demo)


@register_application_link
def _application_form(organization):
    # Only an agency the form lists: a link to one it does not would leave the applicant at
    # "请选择机关" with their agency missing from the list.
    from .selectors import AGENCY_PARAMETER, agency_exists

    if organization is None:  # the district's 指南: the form, the applicant chooses the agency
        return reverse("inforequests:apply")
    if agency_exists(organization.pk):
        return f"{reverse('inforequests:apply')}?{AGENCY_PARAMETER}={organization.pk}"
    return None


register_role_models(
    "inforequests",
    content=["case", "caseitem", "notice", "replydocument"],
    # Staff memberships (disclosures.AgencyMembership) decide who sees which cases.
    reference=["agency", "noticetemplate"],
)


def _remember_old_date(sender, instance, **kwargs):
    # An edit that moves an override affects cases around the old date too.
    old = sender.objects.filter(pk=instance.pk).values_list("date", flat=True).first() if instance.pk else None
    instance._previous_date = old


def _calendar_changed(sender, instance, **kwargs):
    # After commit, so the recomputation reads the new calendar (and a rolled-back edit moves nothing).
    from .services import recompute_open_cases

    if getattr(instance, "entered_with_notice", False):
        return  # recomputed once for the whole notice (_notice_entered)

    verb = "删除" if kwargs.get("signal") is post_delete else "调整"
    reason = f"工作日{verb}：{instance.date:%Y-%m-%d}{'上班' if instance.is_workday else '休息'}（{instance.note}）"
    dates = {instance.date, getattr(instance, "_previous_date", None) or instance.date}
    user = current_user()  # logged as the staff member who changed the calendar
    transaction.on_commit(lambda: recompute_open_cases(reason=reason, user=user, dates=sorted(dates)))


def _notice_entered(sender, days, **kwargs):
    """A whole notice entered at once: one recomputation, its event naming the notice's runs
    (per day, the first day's event stood for a week's move)."""
    from .services import recompute_open_cases

    reason = f"按通知录入放假安排：{holiday_entry.describe(days)}"
    dates = sorted(day.date for day in days)
    user = current_user()
    transaction.on_commit(lambda: recompute_open_cases(reason=reason, user=user, dates=dates))


def _year_changed(sender, instance, **kwargs):
    """A year marked (or unmarked) as entered in full: the open cases whose clock runs into it."""
    from .services import recompute_open_cases

    verb = "取消" if kwargs.get("signal") is post_delete else "确认"
    reason = f"{verb}{instance.year}年全年放假安排已录入（{instance.note}）"
    user = current_user()
    first, last = dt.date(instance.year, 1, 1), dt.date(instance.year, 12, 31)
    transaction.on_commit(lambda: recompute_open_cases(reason=reason, user=user, period=(first, last)))


post_save.connect(_year_changed, sender=WorkingDayYear, dispatch_uid="inforequests-calendar-year-save")
post_delete.connect(_year_changed, sender=WorkingDayYear, dispatch_uid="inforequests-calendar-year-delete")
pre_save.connect(_remember_old_date, sender=WorkingDayOverride, dispatch_uid="inforequests-calendar-before")
post_save.connect(_calendar_changed, sender=WorkingDayOverride, dispatch_uid="inforequests-calendar-save")
post_delete.connect(_calendar_changed, sender=WorkingDayOverride, dispatch_uid="inforequests-calendar-delete")
holiday_entry.notice_entered.connect(_notice_entered, dispatch_uid="inforequests-calendar-notice")
