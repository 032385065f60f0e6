"""Reads for the annual reports: the tables as the data now has them, and the 勾稽 findings."""

import datetime as dt
import html
import re

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from disclosures import selectors as disclosure_selectors
from disclosures.models import DisclosureRecord, Genre, Organization
from disclosures.sanitize import sanitize_html

from . import tables as t
from .models import AnnualReport, ReviewCase


def report_organizations(report: AnnualReport) -> list[Organization]:
    """The agency, or for a consolidated report the agency and every unit below it."""
    found, frontier = [report.organization], [report.organization.pk]
    if not report.consolidated:
        return found
    while frontier:
        children = list(Organization.objects.filter(parent__in=frontier).exclude(pk__in=[o.pk for o in found]))
        found += children
        frontier = [o.pk for o in children]
    return found


def regulation_counts(organizations, year: int) -> dict:
    """Table 二's 规章 and 规范性文件 rows from the catalogue: 本年制发 (成文日期 in the year),
    本年废止 (失效/废止日期 in the year), 现行有效 (有效 at the end of the year)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    genres = [genre for genre, _ in t.REGULATION_ROWS]
    valid = Q(validity=DisclosureRecord.Validity.VALID)
    # One pass over the two genres' records, not one count per cell, and by genre id: named
    # through a join, PostgreSQL cannot use the genre index and reads every record.
    genre_ids = list(Genre.objects.filter(name__in=genres).values_list("pk", flat=True))
    found = {
        row.pop("genre__name"): row
        for row in DisclosureRecord.objects.published()
        .filter(publisher__in=organizations, genre__in=genre_ids)
        .values("genre__name")
        .annotate(
            made=Count("pk", filter=Q(written_date__range=(start, end))),
            repealed=Count("pk", filter=~valid & Q(invalid_date__range=(start, end))),
            current=Count("pk", filter=Q(written_date__lte=end) & (valid | Q(invalid_date__gt=end))),
        )
        .order_by()
    }
    empty = {"made": 0, "repealed": 0, "current": 0}
    return {genre: found.get(genre, dict(empty)) for genre in genres}


def review_table(report: AnnualReport, reviews=None) -> dict:
    """Table 四 from the report's cases, or from `reviews` ((kind, result) pairs: the cases a
    form is about to save) for a unit's report."""
    if reviews is not None and not report.consolidated:
        return t.tabulate_reviews(reviews)
    reports = [report]
    if report.consolidated:
        reports = AnnualReport.objects.filter(
            year=report.year, organization__in=report_organizations(report), consolidated=False
        )
    pairs = ReviewCase.objects.filter(report__in=reports).values_list("kind", "result")
    return t.tabulate_reviews(pairs)


def entered_figures(report: AnnualReport) -> dict:
    return {name: report.entered(name) for name, _, _ in t.ENTERED_ITEMS}


def report_deleted_for(record) -> bool:
    """Whether `record` was the record of a 年报 that was deleted since: a version of a report
    named it, that report is gone, and no report names it now. One query, asked on every
    publication of any record."""
    return (
        AnnualReport.history.filter(record_id=record.pk)
        .exclude(id__in=AnnualReport.objects.values("id"))
        .exclude(record_id__in=AnnualReport.objects.filter(record_id=record.pk).values("record_id"))
        .exists()
    )


def with_public(reports):
    """`reports` each with `is_public` (see report_is_public), read in the same query."""
    return reports.annotate(is_public=Exists(DisclosureRecord.objects.published().filter(pk=OuterRef("record_id"))))


def report_is_public(report: AnnualReport) -> bool:
    """Its page shows only while its catalogue record is public (a withdrawn record takes it down)."""
    return report.record_id is not None and DisclosureRecord.objects.published().filter(pk=report.record_id).exists()


def report_tables(report: AnnualReport, *, now: bool = False, reviews=None) -> t.Tables:
    """The report's tables: as published (kept), or as the data has them now (a draft; `now`:
    what publishing it again would publish; `reviews`: with table 四's cases as a form posts them)."""
    if not now and report.status == AnnualReport.Status.PUBLISHED and report.tables:
        return tables_from_json(report.tables)
    organizations = report_organizations(report)
    return t.Tables(
        two={**regulation_counts(organizations, report.year), **entered_figures(report)},
        three=t.table_three(organizations, report.year),
        four=review_table(report, reviews),
    )


def tables_to_json(tables: t.Tables) -> dict:
    two = {
        key: (str(value) if value is not None and not isinstance(value, (int, dict, str)) else value)
        for key, value in tables.two.items()
    }
    return {"two": two, "three": tables.three, "four": tables.four}


def tables_from_json(data: dict) -> t.Tables:
    from decimal import Decimal

    two = dict(data.get("two", {}))
    if isinstance(two.get("fees"), str) and two["fees"] != t.NOT_APPLICABLE:
        two["fees"] = Decimal(two["fees"])
    return t.Tables(two=two, three=data.get("three"), four=data.get("four", {}))


def previous_report(report: AnnualReport) -> AnnualReport | None:
    return AnnualReport.objects.filter(
        organization=report.organization,
        consolidated=report.consolidated,
        year=report.year - 1,
        status=AnnualReport.Status.PUBLISHED,
    ).first()


def report_findings(report: AnnualReport, tables: t.Tables | None = None) -> list[t.Finding]:
    tables = tables or report_tables(report)
    previous = previous_report(report)
    parts = None
    without_report = []
    if report.consolidated:
        organizations = report_organizations(report)
        members = AnnualReport.objects.filter(year=report.year, consolidated=False, organization__in=organizations)
        parts = [report_tables(member) for member in members]
        reported = {member.organization_id for member in members}
        without_report = [organization.name for organization in organizations if organization.pk not in reported]
    # Last year's figures as its report published them, never counted again from today's data.
    stated = tables_from_json(previous.tables) if previous and previous.tables else None
    findings = t.check_tables(tables, previous=stated, parts=parts)
    if without_report and any(finding.rule == "汇总" for finding in findings):
        # The consolidated tables count every unit's cases; the sum, the units' reports only.
        findings.append(
            t.Finding("汇总", f"以下单位没有{report.year}年度的年报，不在各单位之和中：{'、'.join(without_report)}。")
        )
    return findings + reanswer_findings(report, tables) + section_findings(report)


# What a section says once tags, spaces and punctuation are gone, when it says nothing.
_NOTHING = {"", "无", "暂无", "没有", "未发生"}
_FILLER = re.compile(r"[\s\u3000。，、；：.,;:!！?？（）()“”\"'—\-…]+")
FEE_WORD = "信息处理费"


def _says_nothing(rich_text: str) -> bool:
    return _FILLER.sub("", html.unescape(strip_tags(rich_text or ""))) in _NOTHING


def fees_collected(organizations, year: int) -> tuple[int, object]:
    """(cases, yuan) of the 信息处理费 the agencies collected in the year (国办函〔2020〕109号),
    counted on the day it was paid."""
    from inforequests.models import Case

    found = Case.objects.filter(agency__in=organizations, paid_on__year=year, fee_amount__gt=0).aggregate(
        cases=Count("pk"), total=Sum("fee_amount")
    )
    return found["cases"], found["total"] or 0


def section_findings(report: AnnualReport) -> list[t.Finding]:
    """The parts staff write (条例第五十条): 一、总体情况 and 五、存在的主要问题及改进情况 are
    not left empty (五 is not just “无”); 六 reports the 信息处理费 collected in the year,
    as the 2021 format asks of every agency that collected any."""
    findings = []
    if _says_nothing(report.overview):
        findings.append(
            t.Finding("正文", "“一、总体情况”未填写：条例第五十条要求年度报告写明本年度政府信息公开工作总体情况。")
        )
    if _says_nothing(report.problems):
        findings.append(
            t.Finding(
                "正文",
                "“五、存在的主要问题及改进情况”未填写或只写“无”：条例第五十条要求报告存在的主要问题及改进情况。",
            )
        )
    cases, total = fees_collected(report_organizations(report), report.year)
    if cases and FEE_WORD not in strip_tags(report.other_matters or ""):
        findings.append(
            t.Finding(
                "正文",
                f"本年度收取信息处理费{cases}件、共{format(total.normalize(), 'f')}元，“六、其他需要报告的事项”须报告收取信息处理费的情况"
                "（国办公开办函〔2021〕30号年报格式）。",
            )
        )
    return findings


def reanswer_findings(report: AnnualReport, tables: t.Tables) -> list[t.Finding]:
    """Table 四 against the 依申请公开 cases: a 行政复议 decision or a judgment of the year that
    ordered one of the report's agencies to answer again (inforequests' 重新答复, dated by the
    order) corrected its answer, so table 四 counts at least that many 结果纠正 of its kind.
    Table 三 is not touched by a 重新答复: the application was counted once, by its first answer."""
    from inforequests.models import Reanswer

    rounds = (
        Reanswer.objects.filter(
            case__agency__in=report_organizations(report),
            order_date__year=report.year,
            basis__in=[kind for kind, _ in t.REVIEW_KINDS],
        )
        .order_by("case__number")
        .values_list("basis", "case__number", "order_reference")
    )
    ordered = {}
    for basis, number, reference in rounds:
        ordered.setdefault(basis, []).append(f"{number}（{reference}）" if reference else number)
    findings = []
    for kind, label in t.REVIEW_KINDS:
        corrected = (tables.four.get(kind) or {}).get("corrected", 0)
        cases = ordered.get(kind, [])
        if len(cases) > corrected:
            findings.append(
                t.Finding(
                    "表四纠错",
                    f"表四“{label}”结果纠正为 {corrected}，而本年有 {len(cases)} 件依申请公开申请经{label}"
                    f"被责令重新答复：{'、'.join(cases)}。请在“行政复议、行政诉讼案件”中登记。",
                )
            )
    return findings


def reports_for_staff(user):
    return disclosure_selectors.scoped_to_agencies(AnnualReport.objects.all(), user, field="organization")


def reports_due(user, *, today=None) -> list[str]:
    """From 1 January: the staff member's agencies (with a section) whose report for last year
    is not published yet (Art. 49: 1月31日前; the consolidated one 3月31日前)."""
    today = today or timezone.localdate()
    year = today.year - 1
    published = AnnualReport.objects.filter(
        year=year,
        status=AnnualReport.Status.PUBLISHED,
        record__status=DisclosureRecord.Status.PUBLISHED,  # a withdrawn report is due again
    )
    agencies = disclosure_selectors.agencies_of(user).exclude(section_code=None)
    own = agencies.exclude(pk__in=published.filter(consolidated=False).values("organization"))
    due = [
        f"{org.name}{year}年政府信息公开工作年度报告尚未发布（应于{year + 1}年1月31日前公布）"
        for org in own.order_by("name")[:20]
    ]
    # The government (the top of the tree, with departments under it) also compiles its 汇总年报
    # (Art. 49: by 31 March); a department with units of its own does not.
    governments = agencies.filter(parent__isnull=True, children__isnull=False).distinct()
    governments = governments.exclude(pk__in=published.filter(consolidated=True).values("organization"))
    due += [
        f"{org.name}{year}年政府信息公开工作年度报告（汇总）尚未发布（应于{year + 1}年3月31日前公布）"
        for org in governments.order_by("name")[:20]
    ]
    return due


def report_get_public(*, code: str, year: int, consolidated: bool) -> AnnualReport:
    return get_object_or_404(
        AnnualReport.objects.select_related("organization"),
        organization__section_code=code,
        year=year,
        consolidated=consolidated,
        status=AnnualReport.Status.PUBLISHED,
        # Public while its catalogue record is: withdrawing the record withdraws the report.
        record__status=DisclosureRecord.Status.PUBLISHED,
        record__published_at__lte=timezone.now(),
    )


def reports_public():
    """Every report the public may read (published, and its catalogue record public), newest
    year first, the 本级政府's consolidated report before the agencies' own."""
    return list(
        AnnualReport.objects.select_related("organization")
        .filter(
            status=AnnualReport.Status.PUBLISHED,
            record__status=DisclosureRecord.Status.PUBLISHED,
            record__published_at__lte=timezone.now(),
        )
        .order_by("-year", "-consolidated", "organization__name")
    )


def record_body_with_report_tables(record, body: str) -> str | None:
    """A published report's catalogue record with its tables as the report page has them, every
    data cell naming its headers by id (tables.Sheet.markup). The record keeps the sanitized
    copy, which cannot hold ids (staff markup could shadow the page's anchors), so each table is
    put back where that copy of it still stands; a table edited since is left as it is. None
    for any other record (one substring test, no query)."""
    if f"<caption>{t.REVIEW_CAPTION}</caption>" not in body:
        return None
    report = AnnualReport.objects.filter(record_id=record.pk, status=AnnualReport.Status.PUBLISHED).first()
    if report is None:
        return None
    for sheet in t.sheets(report_tables(report)):
        headed = render_to_string("annualreports/_table.html", {"sheet": sheet})
        body = body.replace(sanitize_html(headed), headed, 1)
    return body
