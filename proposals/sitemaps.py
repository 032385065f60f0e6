"""The 建议提案办理 pages in /sitemap.xml (registered in hooks.py)."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from core.pagecache import cached_value
from core.sitemaps import SITEMAP_LIMIT
from disclosures.sitemaps import latest_public_change

from .models import Member, Proposal, Reply, Session


def _section_changed():
    """When the 建议提案办理 section last changed: a proposal edited, a reply published or
    changed, or a reply taken off with its record's withdrawal or deletion (one aggregate each,
    kept until content changes)."""

    def compute():
        replies = Reply.objects.aggregate(
            published=Max("published_at", filter=Q(pk__in=Reply.objects.public())),
            # A public reply changed: corrected, or linked again as its deleted record is restored.
            changed=Max("updated_at", filter=Q(pk__in=Reply.objects.public())),
            withdrawn=Max("record__updated_at", filter=Q(pk__in=Reply.objects.withdrawn())),
            removed=Max("record_removed_at"),
        )
        latest_edit = Proposal.objects.aggregate(m=Max("updated_at"))["m"]
        return max([m for m in (latest_edit, *replies.values()) if m], default=None) or latest_public_change()

    return cached_value("sitemaps:proposals-changed", compute)


class ProposalPagesSitemap(Sitemap):
    """The section's fixed pages, each session's statistics and each member's page."""

    changefreq = "weekly"

    def items(self):
        changed = _section_changed()
        # Not proposals:statistics, which redirects to the newest session's page (listed below).
        pages = [(reverse(name), changed) for name in ("proposals:list", "proposals:lookup")]
        pages += [(reverse("proposals:session_statistics", args=[s.pk]), changed) for s in Session.objects.all()]
        pages += [
            (m.get_absolute_url(), m.changed or changed)
            for m in Member.objects.annotate(changed=Max("lead_proposals__updated_at"))
        ]
        return pages

    def location(self, item):
        return item[0]

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        return _section_changed()


class ProposalsSitemap(Sitemap):
    """Every proposal's page (its metadata is public): a queryset, so the database pages it
    (SITEMAP_LIMIT a sitemap) and the index needs a count, not every proposal in memory."""

    changefreq = "weekly"
    limit = SITEMAP_LIMIT

    def items(self):
        return (
            Proposal.objects.select_related("session")
            .annotate(
                reply_at=Max("replies__published_at", filter=Q(replies__in=Reply.objects.public())),
                # A public reply changed (corrected; linked again as its deleted record is
                # restored, which clears removed_at below: the date moves on, not back).
                reply_changed_at=Max("replies__updated_at", filter=Q(replies__in=Reply.objects.public())),
                # A reply leaving the page with its record's withdrawal changes it too.
                withdrawn_at=Max("replies__record__updated_at", filter=Q(replies__in=Reply.objects.withdrawn())),
                # And with its record's deletion, which clears the link to the record.
                removed_at=Max("replies__record_removed_at"),
            )
            .order_by("session", "number", "pk")
        )

    def location(self, proposal):
        return proposal.get_absolute_url()

    def lastmod(self, proposal):
        dates = (proposal.reply_at, proposal.reply_changed_at, proposal.withdrawn_at, proposal.removed_at)
        return max(m for m in (proposal.updated_at, *dates) if m)

    def get_latest_lastmod(self):
        return _section_changed()
