import datetime as dt

import factory
from django.utils import timezone

from disclosures.models import DisclosureRecord, Genre, Organization, Topic


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"测试机构{n}")
    org_code = factory.Sequence(lambda n: f"{100000000 + n:09d}")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"测试分类{n}")


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisclosureRecord

    title = factory.Sequence(lambda n: f"关于测试事项的通知（{n}）")
    publisher = factory.SubFactory(OrganizationFactory)
    topic = factory.SubFactory(TopicFactory)
    # get_or_create: transactional tests flush the rows the data migration shipped.
    genre = factory.LazyFunction(
        lambda: Genre.objects.get_or_create(name="通知", defaults={"is_official_document": True})[0]
    )
    written_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    body = "<p>测试正文。</p>"
    status = DisclosureRecord.Status.DRAFT


class PublishedRecordFactory(RecordFactory):
    status = DisclosureRecord.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    index_number = factory.Sequence(lambda n: f"100000000-202401-{n:06d}")


# Records in each state the public side must tell apart, saved through the ordinary path
# (post_save keeps the search index in step).
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
