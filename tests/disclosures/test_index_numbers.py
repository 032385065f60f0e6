import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from disclosures.models import DisclosureRecord
from disclosures.services import record_publish
from tests.disclosures.factories import OrganizationFactory, RecordFactory

pytestmark = pytest.mark.django_db


def _publish_at(record, when):
    return record_publish(record=record, published_at=when).record.index_number


def test_kunming_pattern_by_default():
    org = OrganizationFactory(org_code="015117762")
    when = timezone.make_aware(dt.datetime(2024, 3, 5, 9, 30))
    first = _publish_at(RecordFactory(publisher=org), when)
    second = _publish_at(RecordFactory(publisher=org), when)
    assert (first, second) == ("015117762-202403-000001", "015117762-202403-000002")


@override_settings(DISCLOSURE_INDEX_PATTERN="{org_code}/{YYYY}-{serial:05d}")
def test_national_pattern_is_selectable():
    org = OrganizationFactory(org_code="000014349")
    when = timezone.make_aware(dt.datetime(2017, 6, 8, 10, 0))
    assert _publish_at(RecordFactory(publisher=org), when) == "000014349/2017-00001"


def test_org_code_falls_back_to_the_credit_code():
    org = OrganizationFactory(org_code="", credit_code="11530111015117762Y")
    when = timezone.make_aware(dt.datetime(2024, 1, 2, 9, 0))
    assert _publish_at(RecordFactory(publisher=org), when).startswith("015117762-202401-")


def test_index_number_never_changes_after_publishing():
    record = RecordFactory()
    number = record_publish(record=record).record.index_number
    record.refresh_from_db()
    record.index_number = "tampered"
    record.title = "改过的标题"
    record.save()
    record.refresh_from_db()
    assert record.index_number == number and record.title == "改过的标题"
    # Republishing after a withdrawal keeps the number too.
    record.status = DisclosureRecord.Status.WITHDRAWN
    record.save()
    assert record_publish(record=record).record.index_number == number


def test_imported_numbers_are_kept_and_skipped_by_the_counter():
    org = OrganizationFactory(org_code="015117762")
    imported = RecordFactory(publisher=org, index_number="015117762-202306-000001")
    assert record_publish(record=imported).record.index_number == "015117762-202306-000001"
    new = _publish_at(RecordFactory(publisher=org), timezone.make_aware(dt.datetime(2023, 6, 20, 9, 0)))
    assert new == "015117762-202306-000002"


def test_publisher_without_any_code_cannot_be_given_a_number():
    from disclosures.index_numbers import IndexNumberError

    org = OrganizationFactory(org_code="")
    with pytest.raises(IndexNumberError):
        record_publish(record=RecordFactory(publisher=org))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishers_get_distinct_numbers():
    org = OrganizationFactory(org_code="015117762")
    records = [RecordFactory(publisher=org) for _ in range(16)]
    when = timezone.make_aware(dt.datetime(2025, 5, 1, 9, 0))
    barrier = threading.Barrier(len(records))
    numbers, errors = [], []

    def publish(record):
        try:
            barrier.wait()
            numbers.append(_publish_at(record, when))
        except Exception as error:  # noqa: BLE001 — collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(r,)) for r in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"015117762-202505-{n:06d}" for n in range(1, 17)]
