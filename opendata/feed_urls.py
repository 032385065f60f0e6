"""Feed URLs, mounted at /feeds/ (RSS at .xml, Atom at .atom)."""

from django.urls import path

from . import feeds

app_name = "feeds"

urlpatterns = [
    path("records.xml", feeds.RecordFeed(), name="records_rss"),
    path("records.atom", feeds.RecordAtomFeed(), name="records_atom"),
    path("publishers/<id:pk>.xml", feeds.PublisherRecordFeed(), name="publisher_rss"),
    path("publishers/<id:pk>.atom", feeds.PublisherRecordAtomFeed(), name="publisher_atom"),
    path("topics/<id:pk>.xml", feeds.TopicRecordFeed(), name="topic_rss"),
    path("topics/<id:pk>.atom", feeds.TopicRecordAtomFeed(), name="topic_atom"),
    path("replies.xml", feeds.ReplyFeed(), name="replies_rss"),
    path("replies.atom", feeds.ReplyAtomFeed(), name="replies_atom"),
]
