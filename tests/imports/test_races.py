"""An import and a reviewer at the same moment, on PostgreSQL with two real connections: the
import decides that a draft may be updated, and the reviewer publishes that record before the
import writes. A published record is never written over by an import."""

import threading

import pytest
from django.db import connection

from disclosures.models import DisclosureRecord
from disclosures.services import record_publish
from imports import services
from imports.models import ImportBatch, RowResult

from .conftest import fixture_bytes

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

INDEX_NUMBER = "015117762-202003-000101"


def new_batch(user, data):
    return services.batch_create(user=user, name="records.csv", data=data, source_system="官渡区旧站")


def run(batch, dry_run):
    return services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=dry_run)


def test_a_record_published_while_the_import_decides_is_not_written_over(vocab, importer, monkeypatch):
    first = new_batch(importer, fixture_bytes("records_gb18030.csv"))
    run(first, dry_run=True)
    run(first, dry_run=False)
    record = DisclosureRecord.objects.get(index_number=INDEX_NUMBER)
    text = fixture_bytes("records_gb18030.csv").decode("gb18030").replace("请认真贯彻执行", "请遵照执行")
    changed = new_batch(importer, text.encode("gb18030"))
    run(changed, dry_run=True)
    assert RowResult.objects.get(batch=changed, dry_run=True, number=2).action == "update"

    # The reviewer publishes in another connection once the import has decided, before it writes.
    write = services._write_safely

    def publish():
        try:
            record_publish(record=DisclosureRecord.objects.get(pk=record.pk), user=importer)
        finally:
            connection.close()

    reviewer = threading.Thread(target=publish)

    def write_after_the_reviewer(batch, decisions, dry_run):
        reviewer.start()
        reviewer.join(timeout=3)  # the import's lock on the record holds the reviewer back
        return write(batch, decisions, dry_run)

    monkeypatch.setattr(services, "_write_safely", write_after_the_reviewer)
    run(changed, dry_run=False)
    reviewer.join(timeout=30)
    assert not reviewer.is_alive()

    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.PUBLISHED
    history = list(record.history.order_by("history_id"))
    published = [h for h in history if h.status == DisclosureRecord.Status.PUBLISHED]
    # Nothing was written after the publication: what is public is what the reviewer published.
    assert history[-1] == published[0]
    assert record.body == published[0].body
