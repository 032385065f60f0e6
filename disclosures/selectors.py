"""Reads for the disclosure catalogue."""

from django.db.models.functions import ExtractYear
from django.shortcuts import get_object_or_404

from .filters import RecordFilter
from .models import DisclosureRecord, Organization, Page, Topic
from .registry import record_panels


def record_list(*, filters=None):
    """Published records, newest first, narrowed by the catalogue filters."""
    qs = DisclosureRecord.objects.published().for_listing().order_by("-published_at", "-id")
    return RecordFilter(filters or {}, queryset=qs)


def record_get_public(*, index_number: str) -> DisclosureRecord:
    qs = DisclosureRecord.objects.published().select_related(
        "publisher", "drafting_org", "topic", "genre", "superseded_by"
    ).prefetch_related("attachments")
    return get_object_or_404(qs, index_number=index_number)


def record_latest(*, limit=10):
    return list(DisclosureRecord.objects.published().for_listing().order_by("-published_at", "-id")[:limit])


def catalogue_facets():
    """What the catalogue can be browsed by: topics, publishers and years that have public records."""
    public = DisclosureRecord.objects.published()
    topics = Topic.objects.filter(pk__in=public.values("topic")).order_by("position", "name")
    publishers = Organization.objects.filter(pk__in=public.values("publisher")).order_by("name")
    years = (
        public.annotate(year=ExtractYear("published_at", tzinfo=None))
        .values_list("year", flat=True).distinct().order_by("-year")
    )
    return {"topics": list(topics), "publishers": list(publishers), "years": list(years)}


def page_get(*, slug: str) -> Page:
    return get_object_or_404(Page.objects.select_related("office"), slug=slug)


def record_related_panels(*, record: DisclosureRecord) -> list[str]:
    """HTML panels other apps attach to a record page (e.g. the proposal a reply answers)."""
    return record_panels(record)
