import threading

import pytest
from django.db import connection
from django.test import Client

from disclosures.models import DisclosureRecord
from disclosures.services import record_view_counts_flush
from tests.disclosures.factories import PublishedRecordFactory

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/156.0 Safari/537.36"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "Sogou web spider/4.0",
        "curl/8.5.0",
        "",
    ],
)
def test_crawlers_are_not_counted(client, agent):
    record = PublishedRecordFactory()
    client.get(record.get_absolute_url(), HTTP_USER_AGENT=agent)
    record_view_counts_flush()
    record.refresh_from_db()
    assert record.view_count == 0


@pytest.mark.django_db
def test_each_view_counts_once_and_writes_no_history(client):
    record = PublishedRecordFactory()
    versions = record.history.count()
    for _ in range(3):
        client.get(record.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    record.refresh_from_db()
    assert record.view_count == 0  # buffered: no database write per view
    assert record_view_counts_flush() == 3
    record.refresh_from_db()
    assert record.view_count == 3
    assert record.history.count() == versions


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_views_lose_no_update():
    record = PublishedRecordFactory()
    threads_count, views_each = 8, 10
    barrier = threading.Barrier(threads_count)

    def read():
        client = Client(HTTP_USER_AGENT=BROWSER)
        barrier.wait()
        for _ in range(views_each):
            assert client.get(record.get_absolute_url()).status_code == 200
        connection.close()

    threads = [threading.Thread(target=read) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    record_view_counts_flush()
    assert DisclosureRecord.objects.get(pk=record.pk).view_count == threads_count * views_each
