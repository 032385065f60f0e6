import datetime as dt

from django.utils import timezone

from disclosures.models import DisclosureRecord
from tests.factories import PublishedRecordFactory, RecordFactory


def published(title="关于测试事项的通知", body="", **kwargs):
    """A public record, indexed through the ordinary save path (post_save)."""
    return PublishedRecordFactory(title=title, body=body or "<p>测试正文。</p>", **kwargs)


def scheduled(title, body="", **kwargs):
    return PublishedRecordFactory(
        title=title, body=body or "<p>测试正文。</p>", published_at=timezone.now() + dt.timedelta(days=2), **kwargs
    )


def draft(title, body="", **kwargs):
    return RecordFactory(title=title, body=body or "<p>测试正文。</p>", **kwargs)


def withdrawn(title, body="", **kwargs):
    return PublishedRecordFactory(
        title=title, body=body or "<p>测试正文。</p>", status=DisclosureRecord.Status.WITHDRAWN, **kwargs
    )
