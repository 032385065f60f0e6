"""RSS 2.0 and Atom feeds of newly published records (all, per 发布机构, per 主题分类) and
of newly published proposal replies. Only public items ever appear: never drafts,
scheduled or withdrawn ones."""

import re

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import urlencode
from django.utils.text import Truncator

from core.site import site_settings
from disclosures.models import DisclosureRecord, Organization, Topic
from disclosures.selectors import record_removals
from proposals.models import Reply
from proposals.selectors import replies_withdrawn_at, reply_public_from, reply_url
from search.text import html_to_text

FEED_SIZE = 50


# What XML 1.0 cannot carry (django.utils.xmlutils refuses it with an exception: one such
# character in a title was a 500 for every reader of the feed).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_safe(value):
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    if isinstance(value, list | tuple):
        return [_xml_safe(each) for each in value]
    return value


class _FeedBase:
    """Every text of the feed and its items without what XML cannot carry; the forms refuse
    it, but a record saved before they did, or by another way in, must not end the feed. And
    the feed's own date (RSS lastBuildDate, Atom updated, and Last-Modified): its newest
    item's, but never before the last withdrawal or deletion from the feed (`removed_at`),
    after which the newest item left is older than the change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_safe, args), **{key: _xml_safe(value) for key, value in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_safe, args), **{key: _xml_safe(value) for key, value in kwargs.items()})

    def latest_post_date(self):
        latest = super().latest_post_date()
        removed_at = self.feed.get("removed_at")
        return max(latest, removed_at) if removed_at else latest


class _Rss(_FeedBase, Rss201rev2Feed):
    content_type = "application/rss+xml; charset=utf-8"


class _Atom(_FeedBase, Atom1Feed):
    content_type = "application/atom+xml; charset=utf-8"


class RecordFeed(Feed):
    """Newest public records; subclasses narrow by publisher or topic."""

    feed_type = _Rss
    scope_field = None  # "publisher" or "topic"
    scope_model = None
    scope_label = ""

    def get_object(self, request, pk=None):
        return get_object_or_404(self.scope_model, pk=pk) if self.scope_model else None

    def _site(self):
        return site_settings().site_name

    def title(self, obj):
        base = f"{self._site()} - 政府信息公开"
        return f"{base} - {self.scope_label}：{obj.name}" if obj else base

    def link(self, obj):
        url = reverse("disclosures:catalogue")
        return f"{url}?{urlencode({self.scope_field: obj.pk})}" if obj else url

    def description(self, obj):
        scope = f"{self.scope_label}为“{obj.name}”的" if obj else ""
        return f"最新公开的{scope}政府信息（最近{FEED_SIZE}条）。"

    subtitle = description  # Atom

    def feed_extra_kwargs(self, obj):
        removals = record_removals(self.scope_field or "publisher")
        return {"removed_at": removals.get(obj.pk) if obj else max(removals.values(), default=None)}

    def items(self, obj):
        qs = DisclosureRecord.objects.published().for_listing()
        if obj:
            qs = qs.filter(**{self.scope_field: obj})
        return qs.order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        text = item.summary or html_to_text(item.public_body)
        return Truncator(text.replace("\n", " ")).chars(200)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item):
        return item.publisher.name

    def item_categories(self, item):
        return [item.topic.name]

    def item_guid_is_permalink(self, item):
        return True


class RecordAtomFeed(RecordFeed):
    feed_type = _Atom


class PublisherRecordFeed(RecordFeed):
    scope_field, scope_model, scope_label = "publisher", Organization, "发布机构"


class PublisherRecordAtomFeed(PublisherRecordFeed):
    feed_type = _Atom


class TopicRecordFeed(RecordFeed):
    scope_field, scope_model, scope_label = "topic", Topic, "主题分类"


class TopicRecordAtomFeed(TopicRecordFeed):
    feed_type = _Atom


class ReplyFeed(Feed):
    """Newly published proposal replies (建议提案答复)."""

    feed_type = _Rss

    def title(self):
        return f"{site_settings().site_name} - 建议提案答复"

    def link(self):
        return reverse("proposals:list")

    def description(self):
        return f"最新公开的建议提案答复（最近{FEED_SIZE}条）。"

    subtitle = description

    def feed_extra_kwargs(self, obj):
        return {"removed_at": replies_withdrawn_at()}

    def items(self):
        return (
            Reply.objects.public()
            .select_related("proposal__session__assembly", "answering_unit", "record", "category")
            .order_by("-published_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, reply):
        return f"{reply.proposal.reference}：{reply.proposal.title}"

    def item_link(self, reply):
        return reply_url(reply)

    def item_description(self, reply):
        text = html_to_text(reply.public_text) or f"答复不公开：{reply.mode_reason}"
        return Truncator(f"{reply.answering_unit.name}答复。{text}".replace("\n", " ")).chars(200)

    def item_pubdate(self, reply):
        return reply_public_from(reply)

    def item_updateddate(self, reply):
        return max(reply.updated_at, self.item_pubdate(reply))

    def item_author_name(self, reply):
        return reply.answering_unit.name


class ReplyAtomFeed(ReplyFeed):
    feed_type = _Atom
