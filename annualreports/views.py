from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from core.pages import PageMeta, in_section, render_page

from . import downloads, selectors
from . import tables as t


def index(request):
    """政府信息公开年报 of the site's 政府信息公开 column: every agency's published reports by year."""
    meta = in_section("政府信息公开", "disclosures:catalogue", ("政府信息公开年报", None), type="信息公开年报")
    return render_page(request, "annualreports/index.html", meta, {"reports": selectors.reports_public()})


def _report(code, year, consolidated):
    report = selectors.report_get_public(code=code, year=year, consolidated=consolidated)
    return report, t.sheets(selectors.report_tables(report))


def report(request, code, year, consolidated=False):
    report, sheets = _report(code, year, consolidated)
    organization = report.organization
    meta = PageMeta(
        name=report.title,
        type="信息公开年报",
        crumbs=(
            ("机构信息公开", reverse("agencies:index")),
            (organization.name, reverse("agencies:home", args=[code])),
            ("政府信息公开年报", reverse("agencies:annual_reports", args=[code])),
            (f"{year}年{'（汇总）' if consolidated else ''}", None),
        ),
    )
    suffix = "consolidated_" if consolidated else "report_"
    return render_page(
        request,
        "annualreports/report.html",
        meta,
        {
            "report": report,
            "sheets": sheets,
            "csv_url": reverse(f"annualreports:{suffix}csv", args=[code, year]),
            "xlsx_url": reverse(f"annualreports:{suffix}xlsx", args=[code, year]),
        },
    )


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def report_csv(request, code, year, consolidated=False):
    report, sheets = _report(code, year, consolidated)
    return _download(downloads.report_csv(report.title, sheets), "text/csv; charset=utf-8", f"{report.title}.csv")


def report_xlsx(request, code, year, consolidated=False):
    report, sheets = _report(code, year, consolidated)
    return _download(
        downloads.report_xlsx(report.title, sheets),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{report.title}.xlsx",
    )
