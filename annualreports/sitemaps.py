"""The 政府信息公开年报 column in /sitemap.xml (registered in hooks.py): /annual-reports/ and
each report the public may read (selectors.reports_public: never a draft, nor one whose
catalogue record is withdrawn, deleted or not yet due)."""

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse

from agencies.selectors import ANNUAL_REPORT_GENRE
from core.sitemaps import DatedPagesSitemap, template_changed
from disclosures.models import DisclosureRecord
from disclosures.selectors import record_removals

from . import selectors


def _report_changed(report):
    """A report's page changes with the report, and shows from its record's publication (a
    review's approval, or a scheduled time, which comes with no save)."""
    record = report.record
    return max(report.updated_at, record.updated_at, record.published_at)


class AnnualReportsSitemap(DatedPagesSitemap):
    changefreq = "monthly"

    def pages(self):
        reports = selectors.reports_public()
        prefetch_related_objects(
            reports, Prefetch("record", DisclosureRecord.objects.only("updated_at", "published_at"))
        )
        pages = [(report.get_absolute_url(), _report_changed(report)) for report in reports]
        # The column's date moves forward when a report leaves it (its record withdrawn or
        # deleted), never back to the newest report left.
        left = record_removals("genre__name").get(ANNUAL_REPORT_GENRE)
        moments = [moment for _, moment in pages] + [left, template_changed("annualreports/index.html")]
        return [(reverse("annualreports:index"), max(filter(None, moments))), *pages]
