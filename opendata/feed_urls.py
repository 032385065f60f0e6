"""Feed URLs, mounted at /feeds/ (RSS at .xml, Atom at .atom)."""

from django.urls import path

from core.pagecache import last_modified_forward
from core.rendering import keep_response

from . import feeds

app_name = "feeds"


def feed(view):
    """Kept for one generation; its Last-Modified (the newest item's) never goes back when an
    item leaves the feed (withdrawn, deleted, moved to another 发布机构 or 主题分类)."""
    return keep_response(last_modified_forward(view))


urlpatterns = [
    path("records.xml", feed(feeds.RecordFeed()), name="records_rss"),
    path("records.atom", feed(feeds.RecordAtomFeed()), name="records_atom"),
    path("publishers/<id:pk>.xml", feed(feeds.PublisherRecordFeed()), name="publisher_rss"),
    path("publishers/<id:pk>.atom", feed(feeds.PublisherRecordAtomFeed()), name="publisher_atom"),
    path("topics/<id:pk>.xml", feed(feeds.TopicRecordFeed()), name="topic_rss"),
    path("topics/<id:pk>.atom", feed(feeds.TopicRecordAtomFeed()), name="topic_atom"),
    path("replies.xml", feed(feeds.ReplyFeed()), name="replies_rss"),
    path("replies.atom", feed(feeds.ReplyAtomFeed()), name="replies_atom"),
]
