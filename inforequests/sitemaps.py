"""The 依申请公开 public pages in /sitemap.xml (registered in hooks.py): the form, the status
lookup, the statistics, and the cases published after the applicant's consent and redaction.
No applicant's page or particulars: the status lookup is a form (POST), a case is listed by its
number only once `Case.objects.published()` shows it."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from core.pagecache import cached_value
from core.sitemaps import SITEMAP_LIMIT, DatedPagesSitemap, KeyRangePaginator, template_changed

from .models import Agency, Case, CaseEvent
from .selectors import agencies_with_counts


def _latest(*moments):
    return max(moment for moment in moments if moment)


def _statistics_changed() -> dict:
    """Each agency's newest case event (a registration, a step, an answer, a publication: what
    its figures count), one aggregate for all agencies, kept until content changes."""
    return cached_value(
        "sitemaps:inforequests-statistics",
        lambda: dict(CaseEvent.objects.values_list("case__agency").annotate(at=Max("at")).order_by()),
    )


def _cases_changed():
    """When the published cases last changed: a publication, or a step after it (a 重新答复
    registered, answered or published, which their pages show), or a case leaving them (its
    consent withdrawn, its publication taken back: a save of a case once published, which its
    history keeps). Kept until content changes."""

    def newest():
        steps = CaseEvent.objects.filter(case__in=Case.objects.published()).aggregate(at=Max("at"))["at"]
        once_published = Case.history.filter(published_at__isnull=False, consents_publication=True).values("id")
        # Its versions out of the list (the one that took it out is the newest such): a save
        # that changes nothing public of a published case does not date the list.
        unpublished = Q(published_at__isnull=True) | Q(consents_publication=False)
        saves = Case.history.filter(unpublished, id__in=once_published).aggregate(at=Max("history_date"))["at"]
        return max((moment for moment in (steps, saves) if moment), default=None)

    return cached_value("sitemaps:inforequests-cases", newest)


class RequestPagesSitemap(DatedPagesSitemap):
    """The form, the status lookup, the statistics and each agency's statistics page: the ones
    the statistics page links to (selectors.agencies_with_counts)."""

    changefreq = "weekly"

    def pages(self):
        # The form lists the desks taking applications: it changes with them.
        desks = Agency.history.aggregate(at=Max("history_date"))["at"]
        changed = _statistics_changed()
        # 近12个月: an agency's figures move on at each month's start, with no event.
        month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        agency_page = _latest(template_changed("inforequests/agency.html"), month)
        return [
            (reverse("inforequests:apply"), _latest(template_changed("inforequests/apply.html"), desks)),
            (reverse("inforequests:status"), template_changed("inforequests/status.html")),
            (
                reverse("inforequests:statistics"),
                _latest(template_changed("inforequests/statistics.html"), *changed.values()),
            ),
            *(
                (reverse("inforequests:agency", args=[row["pk"]]), _latest(agency_page, changed.get(row["pk"])))
                for row in agencies_with_counts()
            ),
        ]


class PublishedCasesSitemap(Sitemap):
    """Each published case's page (/disclosures/apply/published/<number>/), paged by key range
    as the catalogue's records are."""

    changefreq = "monthly"
    limit = SITEMAP_LIMIT

    def items(self):
        latest = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at", "-pk").values("at")[:1]
        return Case.objects.published().only("number", "published_at").annotate(changed=Subquery(latest)).order_by("pk")

    @property
    def paginator(self):
        return KeyRangePaginator(self.items(), self.limit)

    def location(self, case):
        return reverse("inforequests:published", args=[case.number])

    def lastmod(self, case):
        return _latest(case.published_at, case.changed)

    def get_latest_lastmod(self):
        # For the index: one aggregate, not a walk over every case.
        return _cases_changed() or template_changed("inforequests/published.html")

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        if not urls:
            # None published yet, or a key range with none left: Django then gives no
            # Last-Modified, which every sitemap carries (opendata/urls.py moves it forward).
            self.latest_lastmod = self.get_latest_lastmod()
        return urls
