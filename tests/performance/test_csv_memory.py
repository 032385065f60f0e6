"""The catalogue CSV streams with flat memory: what a worker holds while sending it does not
grow with the number of rows (the body, the largest column, is never read)."""

import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disclosures.models import DisclosureRecord
from tests.disclosures.factories import PublishedRecordFactory

pytestmark = pytest.mark.django_db
BIG_BODY = "<p>" + "正文内容较长的一段话。" * 400 + "</p>"  # ≈ 4,400 characters, like a real notice


def add_records(count, template):
    # Copies of one record, bulk-inserted: only the catalogue columns matter here.
    start = DisclosureRecord.objects.count()
    DisclosureRecord.objects.bulk_create(
        [
            DisclosureRecord(
                title=f"批量记录{start + n}",
                publisher_id=template.publisher_id,
                topic_id=template.topic_id,
                genre_id=template.genre_id,
                written_date=template.written_date,
                body=BIG_BODY,
                status=DisclosureRecord.Status.PUBLISHED,
                published_at=timezone.now(),
                index_number=f"100000000-202401-9{start + n:05d}",
            )
            for n in range(count)
        ]
    )


def stream_peak(client, times=3):
    """(rows, peak bytes allocated while the CSV streamed), the least of `times` streams:
    tracemalloc also counts what other threads allocate meanwhile (the view counter's
    hand-over), which only ever adds, while rows held in memory would show every time."""
    peaks = []
    for _ in range(times):
        tracemalloc.start()
        try:
            response = client.get("/search/export/records.csv")
            tracemalloc.reset_peak()
            rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return rows, min(peaks)


def test_csv_memory_does_not_grow_with_rows_and_the_body_is_never_read(client):
    template = PublishedRecordFactory()
    add_records(599, template)
    with CaptureQueriesContext(connection) as queries:
        small_rows, small_peak = stream_peak(client)
    assert small_rows == 600
    record_query = next(q["sql"] for q in queries if "disclosures_disclosurerecord" in q["sql"])
    assert '"body"' not in record_query.split(" FROM ")[0]
    add_records(1800, template)
    large_rows, large_peak = stream_peak(client)
    assert large_rows == 2400
    # Four times the rows, about the same memory (a fixed chunk of rows at a time).
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)
