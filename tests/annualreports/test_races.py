"""A report published again while a reviewer withdraws its catalogue record, on PostgreSQL with
two real connections: the report's record is written as it is stored, not as it was read."""

import pytest

from annualreports import services
from annualreports.models import AnnualReport
from core.roles import REVIEWER
from disclosures.models import DisclosureRecord
from disclosures.services import record_withdraw
from tests.annualreports.test_reports import complete, member, orgs  # noqa: F401 (fixture)
from tests.races import Meanwhile, before

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_a_report_published_again_while_its_record_is_withdrawn_leaves_it_withdrawn(orgs, monkeypatch):  # noqa: F811
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = complete(AnnualReport.objects.create(organization=civil, year=2023))
    record = services.report_publish(report=report, user=reviewer).record
    # The other reviewer withdraws once the second publication has read the record, before it writes.
    withdrawn = Meanwhile(lambda: record_withdraw(record=DisclosureRecord.objects.get(pk=record.pk), reason="重新核对"))
    before(monkeypatch, services, "render_to_string", withdrawn)

    services.report_publish(report=report, user=reviewer)
    withdrawn.done()

    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.WITHDRAWN
    assert record.history.order_by("-history_id").first().history_change_reason == "撤回：重新核对"
