import datetime as dt

import pytest
from django.utils import timezone

from proposals import services
from proposals.models import Reply

from .factories import ProposalFactory, ReplyFactory, category, level


@pytest.fixture
def vocab(db):
    from .factories import vocabularies

    return vocabularies()


def send(reply, **kwargs):
    return services.reply_send(reply=reply, **kwargs)


def publish(reply, published_at=None):
    """Publish a few days after the reply by default (in the past, so it is public at once)."""
    if published_at is None:
        reply.refresh_from_db()
        soon = timezone.make_aware(dt.datetime.combine(reply.replied_on + dt.timedelta(days=2), dt.time(10)))
        published_at = min(soon, timezone.now() - dt.timedelta(hours=1))
    return services.reply_publish(reply=reply, published_at=published_at)


@pytest.fixture
def published_reply(vocab):
    """A proposal answered and published through the services (full text)."""
    reply = ReplyFactory(proposal=ProposalFactory(status="handling"))
    send(reply)
    publish(reply)
    return Reply.objects.select_related("proposal", "record").get(pk=reply.pk)


__all__ = ["category", "level", "send", "publish"]
