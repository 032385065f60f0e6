"""The portal's own middleware around page views."""

from django.http import HttpResponse
from django.test import RequestFactory
from simple_history.models import HistoricalRecords

from core.middleware import HistoryRequestMiddleware


def test_changes_record_who_made_them_and_page_views_skip_it():
    seen = []

    def view(request):
        seen.append(getattr(HistoricalRecords.context, "request", None))
        return HttpResponse()

    middleware = HistoryRequestMiddleware(view)
    factory = RequestFactory()
    page_view, change = factory.get("/"), factory.post("/admin/")
    middleware(page_view)
    middleware(change)
    assert seen == [None, change]
    assert getattr(HistoricalRecords.context, "request", None) is None  # nothing left behind
