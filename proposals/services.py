"""Writes for 建议提案办理 (HackSoft style: services write, selectors read)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from simple_history.utils import update_change_reason

from audit.models import Action
from audit.services import audit_log
from disclosures import selectors as disclosure_selectors
from disclosures.models import DisclosureRecord, Genre, Organization, Topic
from disclosures.services import publication_delay_warning, record_locked, record_publish, record_withdraw

from . import selectors
from .models import Feedback, Member, Proposal, Reply, SatisfactionLevel

PUBLISH_PERMISSION = "proposals.publish_reply"

REPLY_RULE_NOTE = "建议提案答复另见国办发〔2014〕46号：答复代表委员后20个工作日内公开。"
RECORD_GENRE = "函"


MEMBER_CONTACT_FIELDS = ("phone", "email", "address")


class FeedbackNotAllowed(PermissionDenied):
    """Only the lead proposer answers the 征询意见表 for a reply to their own proposal."""


class FeedbackClosed(Exception):
    pass


@dataclass
class ReplyPublishResult:
    reply: Reply
    record: DisclosureRecord | None
    warnings: list[str] = field(default_factory=list)


def _check_agency(user, reply):
    """Staff act only on the replies their agencies write or publish (`user=None`: the system)."""
    if user is not None and not selectors.can_handle_reply(user, reply):
        raise PermissionDenied("该答复不属于您所在的机构。")


def _check_publisher(user, reply):
    """Sending and publishing a reply are the reviewers' (publish_reply), of its agency."""
    _check_agency(user, reply)
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("送达和公开答复需要公开答复的权限（审核员）。")


def member_contacts_check(*, member: Member, changed, user=None) -> None:
    """Staff change a member's contact details only if they may read them (`user=None`: the
    system). A new member has none stored yet, so whoever adds one may type them."""
    if user is None or member.pk is None or not set(changed) & set(MEMBER_CONTACT_FIELDS):
        return
    if not selectors.can_see_member_contacts(user, member.pk):
        raise PermissionDenied("只有区级工作人员和承办该代表委员建议提案的单位可以修改其联系方式。")


def _save(instance, *, user, reason):
    instance._history_user = user
    instance.save()
    update_change_reason(instance, reason)


@transaction.atomic
def proposal_extend(*, proposal: Proposal, reason: str, user=None) -> Proposal:
    """延期办理: six months instead of three, with the reason on record."""
    if user is not None and not selectors.can_change_proposal(user, proposal):
        raise PermissionDenied("该建议提案不由您所在的机构主办。")
    if not (reason or "").strip():
        raise ValidationError({"extension_reason": "延期办理须记录理由（经交办机构同意）。"})
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    proposal.extended, proposal.extension_reason = True, reason.strip()
    proposal.full_clean()
    _save(proposal, user=user, reason=f"延期办理：{reason.strip()}")
    return proposal


@transaction.atomic
def reply_send(*, reply: Reply, user=None) -> Reply:
    """The letter has gone to the member: the proposal is 已答复 and the member may give feedback."""
    reply = Reply.objects.select_for_update().select_related("proposal").get(pk=reply.pk)
    _check_publisher(user, reply)
    errors = {}
    if not reply.letter.strip():
        errors["letter"] = "答复全文不能为空。"
    if not reply.replied_on:
        errors["replied_on"] = "请填写答复日期（成文日期）。"
    if not reply.category_id:
        errors["category"] = "请标明办理结果分类（A/B/C）。"
    if errors:
        raise ValidationError(errors)
    # Checked as sent: a sent letter's images need their alt text (Reply.clean), and the member
    # reads it at once; checked as a draft, it went out without them and could not be published.
    reply.status = Reply.Status.SENT
    reply.full_clean()
    proposal = Proposal.objects.select_for_update().get(pk=reply.proposal_id)
    if proposal.status == Proposal.Status.REHANDLING:
        reply.is_rehandling = True
    _save(reply, user=user, reason="答复送达")
    proposal.status = Proposal.Status.ANSWERED
    _save(proposal, user=user, reason="已答复" + ("（重新办理）" if reply.is_rehandling else ""))
    return reply


def publisher_for(unit: Organization) -> Organization:
    """The top of the unit's hierarchy publishes (the seed: 区民政局's reply, published by 区人民政府)."""
    seen = set()
    while unit.parent_id and unit.pk not in seen:
        seen.add(unit.pk)
        unit = unit.parent
    return unit


def _record_body(reply: Reply) -> str:
    if reply.publication_mode == Reply.PublicationMode.SUMMARY:
        # The reason is plain text staff typed: “<…>” in it is text, not markup.
        return format_html("<p>本答复摘要公开（{}）。</p>\n{}", reply.mode_reason, mark_safe(reply.summary))
    return reply.letter


def _locked_with_record(reply, *related):
    """The reply and its catalogue record (None before its first publication), both locked,
    the record first: a record's save locks the record, then its replies (their time follows
    the record's, selectors._follow_record_time), and the other order deadlocked with it."""
    record_id = Reply.objects.filter(pk=reply.pk).values_list("record_id", flat=True).get()
    record = record_locked(record_id)
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins.
    reply = Reply.objects.select_for_update(of=("self",)).select_related(*related).get(pk=reply.pk)
    if reply.record_id != record_id:  # first published by someone else meanwhile
        record = record_locked(reply.record_id)
    return reply, record


def record_deleting(sender, instance, **kwargs):
    """Before a disclosure record is deleted (pre_delete, connected in hooks.py; the admin's
    delete page and its bulk action both send it): a full or summary reply published as it
    leaves the public with it, and the record's row with its withdrawal goes. When it left, the
    deletion if the record was public then, or its withdrawal after it was, is kept on the
    reply (record_removed_at), as disclosures.selectors.record_removals keeps it for records."""
    now = timezone.now()
    public = instance.status == DisclosureRecord.Status.PUBLISHED and instance.published_at <= now
    withdrawn = (
        instance.status == DisclosureRecord.Status.WITHDRAWN
        and instance.published_at is not None
        and instance.published_at <= instance.updated_at
    )
    if public or withdrawn:
        Reply.objects.filter(record=instance, status=Reply.Status.SENT).exclude(
            publication_mode=Reply.PublicationMode.WITHHELD
        ).update(record_removed_at=now if public else instance.updated_at)


def record_restored(record, user) -> str | None:
    """After staff restore a deleted disclosure record (disclosures.registry restore step,
    connected in hooks.py): the reply published as it, whose link the deletion cleared, is
    linked again, so it is back on its proposal's page, sitemaps and feeds as before (its save
    dates the change: the pages' dates move forward, not back to its publication). A reply
    republished meanwhile as a new record keeps that one, and one decided 不公开 meanwhile is not
    linked to a public record; staff are told so."""
    reply = selectors.reply_of_deleted_record(record=record)
    if reply is None:
        return None
    reply = Reply.objects.select_for_update(of=("self",)).select_related("record").get(pk=reply.pk)
    if reply.record_id is not None:
        return (
            f"{reply}已另行公开为目录记录“{reply.record}”（索引号 {reply.record.index_number}），"
            "恢复的记录没有重新关联这份答复：如不需要，请撤回或删除恢复的记录。"
        )
    if reply.publication_mode == Reply.PublicationMode.WITHHELD and record.status == DisclosureRecord.Status.PUBLISHED:
        # Decided 不公开 meanwhile: its publication withdraws the record (reply_publish).
        return f"{reply}已改为不公开，恢复的记录没有重新关联这份答复：请撤回或删除恢复的记录。"
    reply.record = record
    reply.record_removed_at = None
    _save(reply, user=user, reason="随目录记录恢复")
    audit_log(user, Action.RESTORE, reply, f"随目录记录 {record.pk} 恢复，重新关联")
    return None


@transaction.atomic
def reply_publish(*, reply: Reply, user=None, published_at=None) -> ReplyPublishResult:
    """Publish a sent reply. Full text or summary becomes a DisclosureRecord (索引号 and all, so
    it is also in the catalogue); 不公开 publishes only the decision and its reason."""
    reply, record = _locked_with_record(reply, "proposal__session__assembly", "answering_unit__parent")
    _check_publisher(user, reply)
    if reply.status != Reply.Status.SENT:
        raise ValidationError("答复须先送达代表委员（标记为已答复），才能公开。")
    reply.full_clean()
    if reply.publication_mode == Reply.PublicationMode.WITHHELD:
        if record and record.status == DisclosureRecord.Status.PUBLISHED:
            record_withdraw(record=record, user=user, reason="答复改为不公开")
        reply.published_at = published_at or reply.published_at or timezone.now().replace(second=0, microsecond=0)
        _save(reply, user=user, reason=f"不公开：{reply.mode_reason}")
        audit_log(user, Action.PUBLISH, reply, f"决定不公开：{reply.mode_reason}")
        return ReplyPublishResult(reply=reply, record=None)

    if record is None:
        record = DisclosureRecord(
            publisher=publisher_for(reply.answering_unit),
            # 主题分类 is the national vocabulary, not a year (the year is the 年份 facet already).
            topic=Topic.objects.get_or_create(name=settings.PROPOSAL_REPLY_TOPIC)[0],
            genre=Genre.objects.get_or_create(name=RECORD_GENRE, defaults={"is_official_document": True})[0],
        )
    record.title = reply.record_title
    record.drafting_org = reply.answering_unit
    record.written_date = reply.replied_on
    record.body = _record_body(reply)
    record.full_clean()
    _save(record, user=user, reason="建议提案答复更新")
    result = record_publish(record=record, user=user, published_at=published_at)
    record = result.record
    reply.record = record
    reply.published_at = record.published_at
    _save(reply, user=user, reason="公开" if record.is_public else "定时公开")
    audit_log(user, Action.PUBLISH, reply, f"{reply.get_publication_mode_display()}，见目录记录 {record.pk}")
    warnings = []
    warning = publication_delay_warning(written=reply.replied_on, published=record.published_at, label="答复日期")
    if warning:
        warnings.append(f"{warning}{REPLY_RULE_NOTE}")
    return ReplyPublishResult(reply=reply, record=record, warnings=warnings)


@transaction.atomic
def reply_correct(*, reply: Reply, letter: str, note: str, user=None) -> Reply:
    """A correction replaces the letter but keeps the text as first sent (UK WQ: originalAnswerText)."""
    if not (note or "").strip():
        raise ValidationError({"correction_note": "请说明更正内容。"})
    reply, reply.record = _locked_with_record(reply)  # its record's body is corrected too
    _check_agency(user, reply)
    if reply.status != Reply.Status.SENT:
        raise ValidationError("草稿直接修改即可，无需更正。")
    if reply.published_at and user is not None:
        # The correction is public at once (the record's body): made as publishing is.
        if not user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied("这份答复已公开：更正需要公开答复的权限（审核员）。")
        if reply.record_id and not disclosure_selectors.can_manage_organization(user, reply.record.publisher_id):
            raise PermissionDenied(f"这份答复以“{reply.record.publisher}”的名义公开：更正须由该机构的工作人员操作。")
    if not reply.original_letter:
        reply.original_letter = reply.letter
    reply.letter = letter
    reply.correction_note = note.strip()
    reply.corrected_at = timezone.now()
    reply.full_clean()
    _save(reply, user=user, reason=f"更正：{note.strip()}")
    if reply.record_id and reply.publication_mode == Reply.PublicationMode.FULL:
        reply.record.body = reply.letter
        _save(reply.record, user=user, reason=f"答复更正：{note.strip()}")
    return reply


def feedback_allowed(*, reply: Reply, member: Member | None) -> bool:
    return member is not None and reply.proposal.lead_member_id == member.pk


@transaction.atomic
def feedback_submit(
    *, reply: Reply, member: Member | None, level: SatisfactionLevel, comment: str = "", user=None
) -> Feedback:
    """Once per reply and member: a second submit updates the same row (DB unique constraint
    as the backstop). A level that requires 重新办理 reopens the proposal for one month."""
    reply = Reply.objects.select_for_update().select_related("proposal").get(pk=reply.pk)
    if reply.status != Reply.Status.SENT:
        raise ValidationError("该答复尚未送达，不能反馈。")
    if not feedback_allowed(reply=reply, member=member):
        raise FeedbackNotAllowed("只能对本人领衔的建议提案的答复提出满意度意见。")
    # Locked: a confirmation by staff (feedback_close) waits, and is not written over.
    feedback = Feedback.objects.select_for_update().filter(reply=reply, member=member).first()
    if feedback is None:
        try:
            with transaction.atomic():
                feedback = Feedback(reply=reply, member=member, level=level, comment=comment)
                feedback.full_clean(validate_unique=False, validate_constraints=False)
                _save(feedback, user=user, reason="提交满意度")
        except IntegrityError:
            # A concurrent submit won the insert; treat this one as a change to it.
            feedback = Feedback.objects.get(reply=reply, member=member)
    if feedback.is_closed:
        raise FeedbackClosed("该反馈已由工作人员确认，不能再修改。如需更改，请联系办理单位。")
    previous_level_id = feedback.level_id
    if feedback.pk and (feedback.level_id != level.pk or feedback.comment != comment):
        feedback.level, feedback.comment = level, comment
        feedback.full_clean(validate_unique=False, validate_constraints=False)
        _save(feedback, user=user, reason="修改满意度")
    _apply_rehandling(reply=reply, level=level, previous_level_id=previous_level_id, user=user)
    return feedback


def _apply_rehandling(*, reply: Reply, level: SatisfactionLevel, previous_level_id, user):
    proposal = Proposal.objects.select_for_update().get(pk=reply.proposal_id)
    latest = proposal.replies.sent().order_by("-replied_on", "-id").first()
    if latest is None or latest.pk != reply.pk:
        return  # feedback on an older letter does not reopen a proposal answered again since
    if level.requires_rehandling and proposal.status != Proposal.Status.REHANDLING:
        proposal.status = Proposal.Status.REHANDLING
        proposal.rehandling_started_on = timezone.localdate()
        _save(proposal, user=user, reason=f"代表委员反馈“{level.label}”，重新办理")
    elif not level.requires_rehandling and proposal.status == Proposal.Status.REHANDLING:
        previous = SatisfactionLevel.objects.filter(pk=previous_level_id).first()
        if previous and previous.requires_rehandling:
            # The member changed their mind before staff closed the form: back to 已答复.
            proposal.status = Proposal.Status.ANSWERED
            proposal.rehandling_started_on = None
            _save(proposal, user=user, reason=f"代表委员改为“{level.label}”，撤销重新办理")


@transaction.atomic
def feedback_close(*, feedback: Feedback, user=None) -> Feedback:
    # The feedback's row only: a member's submit locks the reply first, then the feedback.
    feedback = Feedback.objects.select_for_update(of=("self",)).select_related("reply").get(pk=feedback.pk)
    _check_agency(user, feedback.reply)
    if user is not None and not user.has_perm("proposals.change_feedback"):
        # Confirming ends the member's say on it: not for staff who may only read feedback.
        raise PermissionDenied("确认满意度反馈需要修改反馈的权限（审核员）。")
    if not feedback.is_closed:
        feedback.closed_at = timezone.now()
        feedback.closed_by = user if user is not None and user.is_authenticated else None
        _save(feedback, user=user, reason="工作人员确认")
    return feedback
