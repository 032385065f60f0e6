"""Reads for 建议提案办理. Public reads only ever see published replies (`Reply.objects.public()`);
a member's own reads also see letters sent to them, never drafts."""

import re
import statistics as stats
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Prefetch, Q
from django.db.models.functions import Length
from django.db.models.signals import post_delete, post_save
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.pagecache import cached_value
from core.stamped import StampedLookups
from disclosures import selectors as disclosure_selectors
from disclosures.models import DisclosureRecord

from .filters import ProposalFilter
from .models import Feedback, Member, Proposal, Reply, ReplyCategory, SatisfactionLevel, Session

LIST_ORDER = ["-session__year", "-session__term", "-session__number", Length("number"), "number"]


def proposal_list(*, filters=None):
    """Every proposal (their metadata is public), with its published replies, narrowed by filters."""
    return ProposalFilter(filters or {}, queryset=Proposal.objects.for_listing().order_by(*LIST_ORDER))


def _detail_queryset(*, replies):
    return Proposal.objects.select_related(
        "session__assembly", "lead_member__assembly", "lead_unit", "merged_into__session__assembly"
    ).prefetch_related(
        "co_proposers",
        "assisting_units",
        "merged__session__assembly",
        Prefetch(
            "replies",
            queryset=replies.select_related("category", "answering_unit", "record").order_by("replied_on", "id"),
            to_attr="visible_replies",
        ),
    )


def proposal_get(*, session_id: int, number: str, member: Member | None = None) -> Proposal:
    """The proposal page. Its own lead proposer also sees letters sent but not (yet) published."""
    own = member is not None and _leads(member, session_id=session_id, number=number)
    # Read once, with the letters this reader may see (not read for the public first, then again).
    replies = Reply.objects.sent() if own else Reply.objects.public()
    proposal = get_object_or_404(_detail_queryset(replies=replies), session_id=session_id, number=number)
    if own:
        feedback = {
            f.reply_id: f
            for f in Feedback.objects.filter(member=member, reply__proposal=proposal).select_related("level")
        }
        for reply in proposal.visible_replies:
            reply.member_feedback = feedback.get(reply.pk)
    return proposal


def _leads(member: Member, *, session_id: int, number: str) -> bool:
    return Proposal.objects.filter(session_id=session_id, number=number, lead_member=member).exists()


def proposal_find(*, session: Session, number: str) -> Proposal | None:
    return Proposal.objects.filter(session=session, number=number).first()


def sessions_for_lookup():
    return Session.objects.select_related("assembly").order_by("-year", "assembly__position", "-term", "-number")


def member_get(*, pk: int) -> Member:
    return get_object_or_404(Member.objects.select_related("assembly"), pk=pk)


def member_proposals(*, member: Member):
    """Proposals the member led or co-signed, newest session first."""
    led_or_signed = Proposal.objects.filter(Q(lead_member=member) | Q(co_proposers=member)).values("pk")
    return Proposal.objects.for_listing().filter(pk__in=led_or_signed).order_by(*LIST_ORDER)


# Which member each user is: asked on every signed-in request of a member's own pages (whose
# page to serve), a query that cost as much as serving the kept page itself. Kept until any
# member is saved or deleted, or any user deleted (core.stamped; docs/decisions/0108).
kept_member_ids = StampedLookups("proposals:member-of-user")


def member_id_for_user(user) -> int | None:
    if not user.is_authenticated or user.is_staff:
        return None  # a staff account is never a member's (Member.user), whatever is linked
    return kept_member_ids.get(
        str(user.pk), lambda: Member.objects.filter(user=user).values_list("pk", flat=True).first()
    )


def member_for_user(user) -> Member | None:
    member_id = member_id_for_user(user)
    if member_id is None:
        return None
    return Member.objects.select_related("assembly").filter(pk=member_id).first()


def _follow_record_time(sender, instance, **kwargs):
    """A reply published as a record is public from the record's 发布日期: when staff move that
    date in the catalogue, the reply's follows, so lists and feeds ordered by it stay in order
    (a reply rescheduled weeks ahead kept its old time and fell below newer ones)."""
    if instance.published_at is None:
        return
    Reply.objects.filter(record_id=instance.pk, published_at__isnull=False).exclude(
        publication_mode=Reply.PublicationMode.WITHHELD
    ).exclude(published_at=instance.published_at).update(published_at=instance.published_at)


def connect_signals():
    post_save.connect(_follow_record_time, sender=DisclosureRecord, dispatch_uid="reply-follows-record-time")
    post_save.connect(kept_member_ids.forget_all, sender=Member, dispatch_uid="member-of-user-save")
    post_delete.connect(kept_member_ids.forget_all, sender=Member, dispatch_uid="member-of-user-delete")
    # A deleted user's link is cleared by an UPDATE, which sends no signal of its own.
    post_delete.connect(kept_member_ids.forget_all, sender=get_user_model(), dispatch_uid="member-of-user-user")


def member_dashboard(*, member: Member):
    """What a signed-in member checks: every proposal they lead, answered or not, with the
    letters sent to them (published or not). Paged by the view; with_member_feedback then
    adds the member's own feedback to a page."""
    return (
        Proposal.objects.filter(lead_member=member)
        .select_related("session__assembly", "lead_unit")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.sent().select_related("category", "answering_unit").order_by("replied_on", "id"),
                to_attr="visible_replies",
            )
        )
        .order_by(*LIST_ORDER)
    )


def with_member_feedback(proposals, *, member: Member) -> list[Proposal]:
    """The proposals, each letter sent to the member carrying their feedback (or None)."""
    proposals = list(proposals)
    replies = [reply for proposal in proposals for reply in proposal.visible_replies]
    feedback = {
        f.reply_id: f
        for f in Feedback.objects.filter(member=member, reply__in=[r.pk for r in replies]).select_related("level")
    }
    for reply in replies:
        reply.member_feedback = feedback.get(reply.pk)
    return proposals


# --- staff scope: an agency's staff handle the replies their agency writes or publishes ---------


def replies_for_staff(user, queryset=None):
    """Replies whose 答复单位 is one of the staff member's agencies, or whose record one of
    them publishes (a department's reply goes out under the district government); all of
    them for district-wide staff."""
    queryset = Reply.objects.all() if queryset is None else queryset
    if disclosure_selectors.manages_all_agencies(user):
        return queryset
    agencies = disclosure_selectors.agencies_of(user).values("pk")
    return queryset.filter(Q(answering_unit__in=agencies) | Q(record__publisher__in=agencies))


def can_handle_reply(user, reply) -> bool:
    return replies_for_staff(user).filter(pk=reply.pk).exists()


def proposals_for_staff(user, queryset=None):
    """Proposals an agency leads, assists with or answers; all for district-wide staff."""
    queryset = Proposal.objects.all() if queryset is None else queryset
    if disclosure_selectors.manages_all_agencies(user):
        return queryset
    agencies = disclosure_selectors.agencies_of(user).values("pk")
    assisted = Proposal.assisting_units.through.objects.filter(organization__in=agencies).values("proposal")
    answered = replies_for_staff(user).values("proposal")
    return queryset.filter(Q(lead_unit__in=agencies) | Q(pk__in=assisted) | Q(pk__in=answered))


def can_change_proposal(user, proposal) -> bool:
    """A proposal's handling (its state, deadline, extension) is kept by its lead unit (主办)
    and district-wide staff; the units that assist with or answer it read it."""
    if disclosure_selectors.manages_all_agencies(user):
        return True
    return disclosure_selectors.can_manage_organization(user, proposal.lead_unit_id)


def _proposals_handled_by(user):
    """Proposals one of the staff member's agencies handles: leads (主办), assists with (会办) or
    answers. Not those it only publishes (a department's reply under the district government)."""
    agencies = disclosure_selectors.agencies_of(user).values("pk")
    assisted = Proposal.assisting_units.through.objects.filter(organization__in=agencies).values("proposal")
    answered = Reply.objects.filter(answering_unit__in=agencies).values("proposal")
    return Proposal.objects.filter(Q(lead_unit__in=agencies) | Q(pk__in=assisted) | Q(pk__in=answered))


def members_with_contacts_for_staff(user, queryset=None):
    """Members whose contact details (phone, email, address: 不公开) this staff member may read
    and change: every member for district-wide staff; otherwise those who lead or co-sign a
    proposal one of their agencies handles; none for anyone else."""
    queryset = Member.objects.all() if queryset is None else queryset
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return queryset.none()
    if disclosure_selectors.manages_all_agencies(user):
        return queryset
    handled = _proposals_handled_by(user)
    co_signed = Proposal.co_proposers.through.objects.filter(proposal__in=handled).values("member")
    return queryset.filter(Q(pk__in=handled.values("lead_member")) | Q(pk__in=co_signed))


def members_by_contact(members, term):
    """`members` whose phone, e-mail or sign-in name holds `term`. A phone by its digits, whatever
    either was typed with: stored "139-1234-5678" or "0871-6312 3456" is found by 13912345678 or 63123456."""
    term = unicodedata.normalize("NFKC", term).strip()  # full-width digits, as input methods type them
    found = Q(phone__contains=term) | Q(email__icontains=term) | Q(user__username__icontains=term)
    digits = re.sub(r"\D", "", term)
    if len(digits) >= 4 and re.fullmatch(r"[\d\s()+\-]+", term):
        found |= Q(phone__regex=r"\D*".join(digits))
    return members.filter(found)


def can_see_member_contacts(user, member_id) -> bool:
    if member_id is None:
        return False
    return members_with_contacts_for_staff(user).filter(pk=member_id).exists()


def reply_for_feedback(*, pk: int) -> Reply:
    """Sent replies only: a draft is as invisible to its member as to everyone else."""
    return get_object_or_404(
        Reply.objects.sent().select_related("proposal__session__assembly", "proposal__lead_member"), pk=pk
    )


def reply_is_public(*, reply: Reply) -> bool:
    return Reply.objects.public().filter(pk=reply.pk).exists()


def feedback_of(*, reply: Reply, member: Member) -> Feedback | None:
    return Feedback.objects.filter(reply=reply, member=member).select_related("level").first()


def satisfaction_levels():
    return SatisfactionLevel.objects.all()


def public_reply_for_record(*, record) -> Reply | None:
    return Reply.objects.public().filter(record=record).select_related("proposal__session__assembly").first()


def reply_of_deleted_record(*, record) -> Reply | None:
    """The reply once published as this record, whose link its deletion cleared: the link
    is cleared by an UPDATE (on_delete=SET_NULL), so the reply's history still names the
    record. At most one (a reply is published as one record; record ids are not reused)."""
    reply_ids = Reply.history.filter(record_id=record.pk).values("id")
    return Reply.objects.filter(pk__in=reply_ids).first()


def filter_sessions():
    # Explicit order: Meta.ordering does not apply to a GROUP BY query.
    return (
        Session.objects.select_related("assembly")
        .annotate(proposal_count=Count("proposals"))
        .order_by("-year", "assembly__position", "-term", "-number")
    )


# ---------------------------------------------------------------------------------------------
# Statistics (办理情况统计)


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


@dataclass
class UnitFigures:
    name: str
    short_name: str = ""
    total: int = 0
    answered: int = 0
    days: list = field(default_factory=list)
    on_time: int = 0
    late: int = 0

    @property
    def median_days(self):
        return stats.median(self.days) if self.days else None

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.on_time + self.late)


@dataclass
class SessionFigures:
    session: Session
    total: int = 0
    key: int = 0
    answered: int = 0
    rehandling: int = 0
    overdue: int = 0
    status_counts: list = field(default_factory=list)  # (label, count)
    categories: list = field(default_factory=list)  # (category, count, percent)
    feedback_total: int = 0
    satisfied: int = 0
    satisfaction: list = field(default_factory=list)  # (level, count, percent)
    units: list = field(default_factory=list)

    @property
    def answer_rate(self):
        return _rate(self.answered, self.total)

    @property
    def satisfaction_rate(self):
        return _rate(self.satisfied, self.feedback_total)

    @property
    def classified(self):
        return sum(count for _, count, _ in self.categories)


def session_statistics(*, session: Session, today=None) -> SessionFigures:
    """Figures for one session, in five queries however many proposals it has.

    办复率 = proposals answered at least once (已答复 or 重新办理) / all proposals.
    Only published replies count (their class, dates and feedback); proposals' statuses are public.
    Classification = the latest published reply's class. 满意率 = feedback counted as satisfied /
    all feedback, taking each proposal's feedback on its latest reply that has any.
    Per 主办单位: median calendar days from 交办 to the first reply, and 按期办复率 = replied by
    the due date / (replied + still unanswered past the due date)."""
    today = today or timezone.localdate()
    figures = SessionFigures(session=session)
    proposals = list(
        Proposal.objects.filter(session=session).values(
            "pk",
            "status",
            "is_key",
            "assigned_on",
            "due_on",
            "rehandling_due_on",
            "lead_unit__name",
            "lead_unit__short_name",
        )
    )
    # Only published replies: a letter not yet public must not show through its class, its
    # date or its member's satisfaction (a proposal's status is public, so 办复率 counts it).
    public_replies = Reply.objects.public().filter(proposal__session=session)
    replies = list(public_replies.order_by("replied_on", "id").values("pk", "proposal_id", "replied_on", "category_id"))
    feedback = list(
        Feedback.objects.filter(reply__in=public_replies.values("pk"))
        .order_by("reply__replied_on", "reply_id")
        .values("reply__proposal_id", "level_id")
    )
    categories = list(ReplyCategory.objects.all())
    levels = list(SatisfactionLevel.objects.all())

    first_reply, latest_reply = {}, {}
    for reply in replies:
        first_reply.setdefault(reply["proposal_id"], reply)
        latest_reply[reply["proposal_id"]] = reply
    final_feedback = {row["reply__proposal_id"]: row["level_id"] for row in feedback}

    answered_states = {Proposal.Status.ANSWERED, Proposal.Status.REHANDLING}
    open_states = {Proposal.Status.ASSIGNED, Proposal.Status.HANDLING}
    status_counts = dict.fromkeys(Proposal.Status.values, 0)
    units: dict[str, UnitFigures] = {}
    category_counts = {c.pk: 0 for c in categories}
    for row in proposals:
        figures.total += 1
        figures.key += row["is_key"]
        status_counts[row["status"]] += 1
        answered = row["status"] in answered_states
        figures.answered += answered
        figures.rehandling += row["status"] == Proposal.Status.REHANDLING
        if (row["status"] in open_states and row["due_on"] and today > row["due_on"]) or (
            row["status"] == Proposal.Status.REHANDLING
            and row["rehandling_due_on"]
            and today > row["rehandling_due_on"]
        ):
            figures.overdue += 1
        latest = latest_reply.get(row["pk"])
        if answered and latest and latest["category_id"] in category_counts:
            category_counts[latest["category_id"]] += 1

        name = row["lead_unit__name"] or "未确定主办单位"
        unit = units.setdefault(name, UnitFigures(name=name, short_name=row["lead_unit__short_name"] or name))
        unit.total += 1
        unit.answered += answered
        first = first_reply.get(row["pk"])
        if first and row["assigned_on"] and first["replied_on"]:
            unit.days.append((first["replied_on"] - row["assigned_on"]).days)
        if row["due_on"]:
            if first and first["replied_on"]:
                if first["replied_on"] <= row["due_on"]:
                    unit.on_time += 1
                else:
                    unit.late += 1
            elif not answered and today > row["due_on"]:
                unit.late += 1  # answered but not yet published: when is not public, so not counted

    figures.status_counts = [(label, status_counts[value]) for value, label in Proposal.Status.choices]
    classified = sum(category_counts.values())
    figures.categories = [(c, category_counts[c.pk], _rate(category_counts[c.pk], classified)) for c in categories]
    level_counts = {level.pk: 0 for level in levels}
    for level_id in final_feedback.values():
        level_counts[level_id] = level_counts.get(level_id, 0) + 1
    figures.feedback_total = sum(level_counts.values())
    figures.satisfied = sum(level_counts[level.pk] for level in levels if level.counts_as_satisfied)
    figures.satisfaction = [
        (level, level_counts[level.pk], _rate(level_counts[level.pk], figures.feedback_total)) for level in levels
    ]
    figures.units = sorted(units.values(), key=lambda u: (-u.total, u.name))
    return figures


def reply_public_from(reply: Reply):
    """When the reply becomes public: its own publication time and, unless withheld, its record's."""
    if reply.publication_mode == Reply.PublicationMode.WITHHELD or reply.record is None:
        return reply.published_at
    return max(reply.published_at, reply.record.published_at)


def reply_next_public_at(*, after=None):
    """When the next 不公开 decision's publication time comes (after `after`, default now): the
    page cache must not outlive it. A full or summary reply is public with its record, whose
    time disclosures bounds the cache by; a decision keeps the time a full reply was scheduled
    for, with no record scheduled. One aggregate per generation and publication."""
    return Reply.objects.filter(
        status=Reply.Status.SENT,
        publication_mode=Reply.PublicationMode.WITHHELD,
        published_at__gt=after or timezone.now(),
    ).aggregate(soonest=Min("published_at"))["soonest"]


def replies_withdrawn_at():
    """When a reply last left the public with its record: withdrawn in the catalogue (the
    record's last save) or deleted (Reply.record_removed_at, as the link is cleared). The reply
    feed dates itself by its newest item, which goes back then. One aggregate, kept until
    content changes."""

    def compute():
        found = Reply.objects.aggregate(
            withdrawn=Max("record__updated_at", filter=Q(pk__in=Reply.objects.withdrawn())),
            removed=Max("record_removed_at"),
        )
        return max([m for m in found.values() if m], default=None)

    return cached_value("proposals:replies-withdrawn-at", compute)


def reply_url(reply: Reply) -> str:
    return f"{reply.proposal.get_absolute_url()}#reply-{reply.pk}-title"
