"""Writes for the annual reports: publishing checks the 勾稽 rules, keeps the tables as they
were, and publishes the report as a disclosure record in the 年报 column."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from simple_history.utils import update_change_reason

from agencies.selectors import ANNUAL_REPORT_GENRE
from disclosures import selectors as disclosure_selectors
from disclosures.models import DisclosureRecord, Genre, Topic
from disclosures.services import record_locked, record_publish

from . import selectors
from . import tables as t
from .models import AnnualReport

PUBLISH_PERMISSION = "annualreports.publish_annualreport"

ANNUAL_REPORT_TOPIC = "综合政务"


class ReportChecksFailed(ValidationError):
    def __init__(self, findings):
        self.findings = findings
        super().__init__([f.message for f in findings])


@dataclass
class ReportPublishResult:
    report: AnnualReport
    record: DisclosureRecord
    findings: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def _check_scope(user, report):
    if user is not None and not disclosure_selectors.can_manage_organization(user, report.organization_id):
        raise PermissionDenied("该年报不属于您所在的机构。")


def check_publishable(*, report: AnnualReport, user=None, override_reason: str = "", reviews=None):
    """Whether `report`, as it stands (saved or not; `reviews`: table 四's cases as posted, see
    selectors.review_table), may be published by `user`: raises PermissionDenied,
    ValidationError or ReportChecksFailed; else (its tables, their findings). The admin asks
    before saving a published report, so a refusal changes nothing public."""
    _check_scope(user, report)
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("只有审核员或终审审核员可以发布年报。")
    if report.year >= timezone.localdate().year:
        raise ValidationError(f"{report.year}年尚未结束：年度报告在次年发布（条例第四十九条：每年1月31日前）。")
    if not report.organization.index_code:
        raise ValidationError(
            f"“{report.organization}”没有组织机构代码或统一社会信用代码，年报无法作为政府信息公开记录发布（索引号）。"
        )
    tables = selectors.report_tables(report, now=True, reviews=reviews)
    findings = selectors.report_findings(report, tables)
    if findings and not (override_reason or "").strip():
        raise ReportChecksFailed(findings)
    return tables, findings


@transaction.atomic
def report_publish(*, report: AnnualReport, user=None, override_reason: str = "") -> ReportPublishResult:
    """Publish a report whose tables add up. With failed checks only a 审核员 may publish, and
    only with a reason, which is kept on the report and in its history."""
    report = AnnualReport.objects.select_for_update().select_related("organization").get(pk=report.pk)
    _check_scope(user, report)
    report.full_clean()
    tables, findings = check_publishable(report=report, user=user, override_reason=override_reason)
    override_reason = (override_reason or "").strip()
    report.override_reason = override_reason if findings else ""
    report.overridden_by = user if findings else None
    report.tables = selectors.tables_to_json(tables)
    report.status = AnnualReport.Status.PUBLISHED
    record = record_locked(report.record_id) or DisclosureRecord(
        publisher=report.organization,
        topic=Topic.objects.get_or_create(name=ANNUAL_REPORT_TOPIC, defaults={"is_national": True})[0],
        genre=Genre.objects.get_or_create(name=ANNUAL_REPORT_GENRE)[0],
    )
    record.title = report.title
    record.written_date = timezone.localdate()
    record.summary = f"{report.title}。"  # a consolidated report's says so
    record.body = render_to_string("annualreports/_record_body.html", {"report": report, "sheets": t.sheets(tables)})
    record._history_user = user
    record.full_clean()
    record.save()
    result = record_publish(record=record, user=user)
    report.record = result.record
    report._history_user = user
    report.save()
    update_change_reason(report, f"发布（未通过勾稽校验，理由：{override_reason}）"[:100] if findings else "发布")
    return ReportPublishResult(report=report, record=result.record, findings=findings, warnings=result.warnings)
