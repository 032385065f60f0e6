"""An import and a reviewer at the same moment, on PostgreSQL with two real connections: the
import decides that a draft may be updated, and the reviewer publishes that record before the
import writes. A published record is never written over by an import."""

import pytest

from disclosures.models import DisclosureRecord
from disclosures.services import record_publish
from imports import services
from imports.models import RowResult
from tests.races import Meanwhile, before

from .conftest import fixture_bytes
from .test_batches import new_batch, run

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

INDEX_NUMBER = "015117762-202003-000101"


def test_a_record_published_while_the_import_decides_is_not_written_over(vocab, importer, monkeypatch):
    first = new_batch(importer)
    run(first, dry_run=True)
    run(first, dry_run=False)
    record = DisclosureRecord.objects.get(index_number=INDEX_NUMBER)
    text = fixture_bytes("records_gb18030.csv").decode("gb18030").replace("请认真贯彻执行", "请遵照执行")
    changed = new_batch(importer, name="v2.csv", data=text.encode("gb18030"))
    run(changed, dry_run=True)
    assert RowResult.objects.get(batch=changed, dry_run=True, number=2).action == "update"

    # The reviewer publishes in another connection once the import has decided, before it writes;
    # the import's lock on the record holds the reviewer back until the import commits.
    reviewer = Meanwhile(lambda: record_publish(record=DisclosureRecord.objects.get(pk=record.pk), user=importer))
    before(monkeypatch, services, "_write_safely", reviewer)
    run(changed, dry_run=False)
    reviewer.done()

    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.PUBLISHED
    history = list(record.history.order_by("history_id"))
    published = [h for h in history if h.status == DisclosureRecord.Status.PUBLISHED]
    # Nothing was written after the publication: what is public is what the reviewer published.
    assert history[-1] == published[0]
    assert record.body == published[0].body
