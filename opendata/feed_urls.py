"""Feed URLs, mounted at /feeds/ (RSS at .xml, Atom at .atom)."""

from django.urls import path

from core.rendering import keep_response

from . import feeds

app_name = "feeds"

urlpatterns = [
    path("records.xml", keep_response(feeds.RecordFeed()), name="records_rss"),
    path("records.atom", keep_response(feeds.RecordAtomFeed()), name="records_atom"),
    path("publishers/<id:pk>.xml", keep_response(feeds.PublisherRecordFeed()), name="publisher_rss"),
    path("publishers/<id:pk>.atom", keep_response(feeds.PublisherRecordAtomFeed()), name="publisher_atom"),
    path("topics/<id:pk>.xml", keep_response(feeds.TopicRecordFeed()), name="topic_rss"),
    path("topics/<id:pk>.atom", keep_response(feeds.TopicRecordAtomFeed()), name="topic_atom"),
    path("replies.xml", keep_response(feeds.ReplyFeed()), name="replies_rss"),
    path("replies.atom", keep_response(feeds.ReplyAtomFeed()), name="replies_atom"),
]
