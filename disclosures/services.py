"""Writes for the disclosure catalogue (HackSoft style: services write, selectors read)."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from simple_history.utils import update_change_reason

from audit.models import Action
from audit.services import audit_log
from core.counters import counter_buffer
from core.dates import local_day
from core.text import has_control_characters

from . import selectors
from .bots import is_crawler
from .index_numbers import allocate_index_number
from .models import DELETED_WITH_RECORD, Attachment, DisclosureRecord, ReviewStep, review_permission
from .office import replace_placeholders
from .registry import publish_problems, restore_steps
from .sanitize import alt_text_errors

PUBLISH_DEADLINE_WORKING_DAYS = 20  # 条例 Art. 26


@dataclass
class PublishResult:
    record: DisclosureRecord
    warnings: list[str] = field(default_factory=list)


def publication_delay_warning(*, written: dt.date | None, published: dt.datetime | None, label="成文日期"):
    """Art. 26: proactive information is published within 20 working days of being made."""
    if not written or not published:
        return None
    span = _span_over(written, local_day(published), PUBLISH_DEADLINE_WORKING_DAYS)
    if span is None:
        return None
    return (
        f"发布日期距{label}已超过{PUBLISH_DEADLINE_WORKING_DAYS}个工作日（{span}），"
        f"不符合《政府信息公开条例》第二十六条“20个工作日内及时公开”的要求，请核实。"
    )


def _span_over(start: dt.date, end: dt.date, limit: int) -> str | None:
    """How far apart two days are, in words, when more than `limit` working days; else None."""
    counted = selectors.publication_working_days(start, end)
    if counted is None:  # more than a year apart (or a mistyped year): not counted day by day
        return f"相隔{(end - start).days}天"
    days, exact = counted
    if days <= limit:
        return None
    return f"{days}个工作日" + ("" if exact else "（该年度无官方调休数据，按周一至周五估算）")


def interpretation_delay_warning(*, document: DisclosureRecord | None, published: dt.datetime | None):
    """国办发〔2016〕19号: a 解读 is published within 3 working days of the document it
    interprets (local dates). Only a document published (or scheduled) is counted from; it is
    not named, as staff may have been given a link to another agency's scheduled record."""
    if document is None or published is None or document.published_at is None:
        return None
    if document.status != DisclosureRecord.Status.PUBLISHED:
        return None
    limit = selectors.INTERPRETATION_DEADLINE_WORKING_DAYS
    span = _span_over(local_day(document.published_at), local_day(published), limit)
    if span is None:
        return None
    return (
        f"本解读的发布日期距所解读文件的发布日期已超过{limit}个工作日（{span}），"
        f"不符合国办发〔2016〕19号“解读材料应于文件公开后{limit}个工作日内发布”的要求，请核实。"
    )


def _check_agency(user, record):
    """A staff member acts only on their agencies' records (`user=None`: the system itself)."""
    if user is not None and not selectors.can_manage_record(user, record):
        raise PermissionDenied("该记录不属于您所在的机构。")


def record_locked(pk) -> DisclosureRecord | None:
    """The record as stored, locked until the transaction ends (None for no pk): another app
    that writes a record reads it so first, or it writes over a withdrawal or a review decision
    made since it read the record."""
    if pk is None:
        return None
    # of=("self",): the record's row alone, not its agency's, or every review decision and
    # publication of one agency would wait for the others.
    return DisclosureRecord.objects.select_for_update(of=("self",)).select_related("publisher").get(pk=pk)


@transaction.atomic
def record_publish(*, record: DisclosureRecord, user=None, published_at=None) -> PublishResult:
    """Publish (or schedule) a record: assigns its 索引号 once and records who did it.

    A record staff write in the catalogue is published by its 终审 (record_approve), or, once
    withdrawn, by record_republish; the admin offers no other way. Other apps call this under
    their own approval (a proposal reply, an annual report); a record under review is refused."""
    record = record_locked(record.pk)
    _check_agency(user, record)
    if record.status == DisclosureRecord.Status.PENDING:
        raise ValidationError("这条记录正在审核中，终审通过后才会发布。")
    if record.status == DisclosureRecord.Status.WITHDRAWN:
        _check_may_republish(user)
    return _publish(record, user=user, published_at=published_at)


def _check_may_republish(user):
    if user is not None and not user.has_perm(review_permission("final")):
        raise PermissionDenied("只有终审审核员可以重新发布已撤回的记录。")


def _publish(record, *, user, published_at=None, reason=""):
    """The publication itself, on a locked record whose publication has been decided."""
    if problems := publish_problems(record):
        raise ValidationError(problems)
    if published_at is not None:
        record.published_at = published_at
    elif record.published_at is None:
        record.published_at = timezone.now().replace(second=0, microsecond=0)
    if not record.index_number:
        record.index_number = allocate_index_number(record, timezone.localtime(record.published_at))
    record.status = DisclosureRecord.Status.PUBLISHED
    record.review_level = 0
    record.full_clean()
    record._history_user = user
    record.save()
    update_change_reason(record, reason + ("发布" if record.is_public else "定时发布"))
    audit_log(
        user,
        Action.PUBLISH,
        record,
        reason
        + ("发布" if record.is_public else f"定时发布：{timezone.localtime(record.published_at):%Y-%m-%d %H:%M}"),
    )
    warnings = []
    warning = publication_delay_warning(written=record.written_date, published=record.published_at)
    if warning:
        warnings.append(warning)
    document = record.interprets if record.interprets_id else None
    if warning := interpretation_delay_warning(document=document, published=record.published_at):
        warnings.append(warning)
    return PublishResult(record=record, warnings=warnings)


# --- review (三审): submit, approve or return at each level; the 终审 publishes ------------------
# Every transition saves the record (a history row with the reason), adds a ReviewStep to the
# trail the change page shows, and writes an audit entry. Scope and permissions are checked
# here, whatever the admin shows.

REVIEW_COMMENT_MAX = 1000


def _review_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > REVIEW_COMMENT_MAX:
        raise ValidationError(f"审核意见最多{REVIEW_COMMENT_MAX}字，当前{len(comment)}字。")
    if has_control_characters(comment):
        raise ValidationError("审核意见含有不可见的控制字符，请删除后重试。")
    return comment


def _step(record, user, *, action, level=0, comment=""):
    """Add a step to the record's trail, naming the version (history row) it was decided on."""
    return ReviewStep.objects.create(
        record=record,
        action=action,
        level=level,
        levels=record.review_levels,
        actor=user,
        actor_name=user.get_full_name() or user.get_username(),
        comment=comment,
        version=record.history.order_by("-history_id").values_list("history_id", flat=True).first(),
    )


def _transition(record, user, reason, **step):
    """The step, then the record saved in its new state (a history row giving the reason)."""
    _step(record, user, **step)
    record._history_user = user
    record.save()
    update_change_reason(record, reason[:100])


def _check_reviewer(user, record) -> str:
    """The stage `user` may decide on this record, or PermissionDenied / ValidationError."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("审核须由工作人员本人进行。")
    _check_agency(user, record)
    if record.status != DisclosureRecord.Status.PENDING:
        raise ValidationError(f"这条记录不在审核中（当前状态：{record.get_status_display()}）。")
    stage = record.review_stage
    if not user.has_perm(review_permission(stage)):
        raise PermissionDenied(f"这条记录正待{record.review_stage_label}，您没有{record.review_stage_label}权限。")
    return stage


@transaction.atomic
def record_submit(*, record: DisclosureRecord, user, comment: str = "") -> DisclosureRecord:
    """A draft goes to the first review level of its agency (录入员: 提交审核). It must be
    publishable as it stands: the reviewers decide on content, not on missing fields."""
    record = record_locked(record.pk)
    if user is None or not user.is_authenticated:
        raise PermissionDenied("提交审核须由工作人员本人进行。")
    _check_agency(user, record)
    if not user.has_perm("disclosures.change_disclosurerecord"):
        raise PermissionDenied("您没有提交审核的权限。")
    if record.status != DisclosureRecord.Status.DRAFT:
        raise ValidationError(f"只有草稿可以提交审核（当前状态：{record.get_status_display()}）。")
    if problems := publish_problems(record):
        raise ValidationError(problems)
    # Every image has its alt text before review (ATAG), a Word import's images included.
    if missing := alt_text_errors(record, "body", names=record.image_names):
        raise ValidationError(missing)
    comment = _review_comment(comment)
    record.full_clean()
    record.status = DisclosureRecord.Status.PENDING
    record.review_levels = record.publisher.effective_review_levels
    record.review_level = 1
    _transition(record, user, "提交审核", action=ReviewStep.Action.SUBMIT, comment=comment)
    audit_log(user, Action.REVIEW_SUBMIT, record, f"提交{record.review_stage_label}（共{record.review_levels}级审核）")
    return record


@transaction.atomic
def record_approve(*, record: DisclosureRecord, user, comment: str = "") -> PublishResult:
    """Approve the level awaiting a decision. Below the 终审 the record moves up a level; the
    终审 publishes it (at its 发布日期 if that is later: scheduled publishing). Each level is
    decided by someone other than the submitter and the lower levels' reviewers of this round."""
    record = record_locked(record.pk)
    _check_reviewer(user, record)
    round_actors = [step.actor_id for step in selectors.review_round(record=record)]
    if round_actors and round_actors[0] == user.pk:
        raise PermissionDenied("不能审核自己提交的记录，请由其他审核员审核。")
    if user.pk in round_actors:
        raise PermissionDenied("同一轮审核中，每一级须由不同的人审核。")
    comment = _review_comment(comment)
    record.full_clean()
    level, label = record.review_level, record.review_stage_label
    if level < record.review_levels:
        record.review_level += 1
        _transition(record, user, f"{label}通过", action=ReviewStep.Action.APPROVE, level=level, comment=comment)
        audit_log(user, Action.REVIEW_APPROVE, record, f"{label}通过，转{record.review_stage_label}")
        return PublishResult(record=record)
    _step(record, user, action=ReviewStep.Action.APPROVE, level=level, comment=comment)
    audit_log(user, Action.REVIEW_APPROVE, record, f"{label}通过")
    return _publish(record, user=user, reason=f"{label}通过，")


@transaction.atomic
def record_return(*, record: DisclosureRecord, user, comment: str) -> DisclosureRecord:
    """Send the record back to its drafters with a comment saying what to change; it is a
    draft again and goes through every level once resubmitted."""
    record = record_locked(record.pk)
    _check_reviewer(user, record)
    comment = _review_comment(comment)
    if not comment:
        raise ValidationError("退回时请填写审核意见，说明需要修改的地方。")
    level, label = record.review_level, record.review_stage_label
    record.status = DisclosureRecord.Status.DRAFT
    record.review_level = 0
    _transition(record, user, f"{label}退回：{comment}", action=ReviewStep.Action.RETURN, level=level, comment=comment)
    # The comment stays in the trail: the audit log keeps no free text staff typed.
    audit_log(user, Action.REVIEW_RETURN, record, f"{label}退回修改")
    return record


@transaction.atomic
def record_republish(*, record: DisclosureRecord, user) -> PublishResult:
    """Publish a withdrawn record again (or a scheduled one at once, if its time has come): it
    passed its review before, so a 终审 reviewer of its agency decides. A draft is submitted."""
    record = record_locked(record.pk)
    _check_agency(user, record)
    if record.status in (DisclosureRecord.Status.DRAFT, DisclosureRecord.Status.PENDING):
        raise ValidationError("草稿须提交审核，经终审通过后发布。")
    _check_may_republish(user)
    return _publish(record, user=user, reason="重新")


@transaction.atomic
def record_withdraw(*, record: DisclosureRecord, user=None, reason: str = "") -> DisclosureRecord:
    record = DisclosureRecord.objects.select_for_update().get(pk=record.pk)
    _check_agency(user, record)
    if record.status != DisclosureRecord.Status.PUBLISHED:
        # Only what passed review is withdrawn: a withdrawn record can be published again
        # without review (record_republish), so a draft "withdrawn" would skip it.
        raise ValidationError("只有已发布（或定时发布）的记录可以撤回。")
    record.status = DisclosureRecord.Status.WITHDRAWN
    record._history_user = user
    record.save()
    update_change_reason(record, f"撤回：{reason}" if reason else "撤回")
    audit_log(user, Action.WITHDRAW, record, reason)
    return record


def _view_counts_apply(batch: dict[int, int]) -> None:
    # UPDATE … SET view_count = view_count + n: atomic per row, no history row, no signals
    # (so a flush does not invalidate the page cache).
    with transaction.atomic():
        for pk, count in sorted(batch.items()):
            DisclosureRecord.objects.filter(pk=pk).update(view_count=F("view_count") + count)


record_view_counts = counter_buffer("record-views", _view_counts_apply)


def record_count_view(*, record_id: int, crawler: bool = False) -> int:
    """Count one reader's view without a database write (see core.counters) and return the
    浏览次数 to show: the stored count plus every view buffered in the shared store, this one
    included. One exchange with the store per view, so whichever worker answers, the count a
    reader sees includes their view and never goes back. A crawler's view is not counted."""
    if crawler:
        buffered, epoch = record_view_counts.pending_tracked(record_id)
    else:
        buffered, epoch = record_view_counts.incr_tracked(record_id)
    return selectors.record_stored_views(record_id=record_id, epoch=epoch) + buffered


def record_count_cached_view(environ, record_id: int) -> dict:
    """Page-cache hit hook: a page served from the cache is still a view, and its 浏览次数 hole
    is filled in for this reader (core.pagecache)."""
    crawler = is_crawler(environ.get("HTTP_USER_AGENT", ""))
    return {"view_count": record_count_view(record_id=record_id, crawler=crawler)}


def record_view_counts_flush() -> int:
    """Add every buffered view to `view_count` (manage.py flush_view_counts, and periodically
    from the request path); returns the number of views written."""
    return record_view_counts.flush()


@transaction.atomic
def record_restore(*, history_id: int, user, reason: str = "") -> DisclosureRecord:
    """Bring a deleted record back as it was when deleted, with the attachments it had then
    (their files are kept on deletion for this, unreachable while the record is gone). Staff
    with add and publish permissions restore their agencies' records (`user=None`: the system)."""
    History = DisclosureRecord.history.model
    deleted = History.objects.select_for_update().get(history_id=history_id, history_type="-")
    # As the deleted list shows them: a 终审 reviewer brings back their agencies' records only.
    if user is not None and not (
        user.has_perm("disclosures.add_disclosurerecord") and user.has_perm("disclosures.publish_disclosurerecord")
    ):
        raise PermissionDenied("您没有恢复已删除记录的权限。")
    _check_agency(user, deleted)
    if DisclosureRecord.objects.filter(pk=deleted.id).exists():
        raise ValidationError("这条记录已经恢复。")
    record = deleted.instance
    # A record it linked to (its 替代文件, the document it interprets) deleted since is not
    # linked again: the link would point at no record.
    notes = []
    for name, label in (("superseded_by", "替代文件"), ("interprets", "解读对象")):
        linked = getattr(record, f"{name}_id")
        if linked and not DisclosureRecord.objects.filter(pk=linked).exists():
            setattr(record, f"{name}_id", None)
            notes.append(f"原{label}已被删除，恢复的记录不再链接它。")
    record._change_reason = reason or "从已删除记录恢复"
    record.save()
    AttachmentHistory = Attachment.history.model
    # Each attachment's last row before (or at) the deletion, unless it had been deleted earlier.
    last_rows = {}
    for row in AttachmentHistory.objects.filter(record_id=record.pk, history_date__lte=deleted.history_date).order_by(
        "history_date", "history_id"
    ):
        last_rows[row.id] = row
    restored = 0
    for row in last_rows.values():
        if row.history_type == "-" and row.history_change_reason != DELETED_WITH_RECORD:
            continue  # deleted by staff before the record was
        # Historical rows keep the file's name as text: the file must still be on disk.
        attachment = row.instance
        if attachment.file and attachment.file.storage.exists(attachment.file.name):
            attachment._change_reason = "随记录恢复"
            attachment.save()
            restored += 1
    record.restored_attachments = restored
    # What other apps had linked to it (a proposal reply published as it) is linked again.
    record.restore_notes = notes + restore_steps(record, user)
    return record


@transaction.atomic
def record_import_docx(*, record: DisclosureRecord, document, user=None) -> list[str]:
    """Make an uploaded Word document (disclosures.office.ImportedDocument) the record's body:
    each of its images becomes an attachment of the record, shown where it stood. Returns what
    staff should be told (images that could not be kept, images still without alt text)."""
    _check_agency(user, record)
    notes = list(document.notes)
    position = record.attachments.aggregate(last=Max("position"))["last"] or 0
    urls = {}
    for image in document.images:
        position += 1
        attachment = Attachment(
            record=record, title=image.name, file=ContentFile(image.data, name=image.name), position=position
        )
        try:
            attachment.full_clean()  # the content check every upload gets (disclosures/uploads.py)
        except ValidationError as error:
            notes.append(f"{image.name}没有导入：{'；'.join(error.messages)}")
            continue
        attachment._history_user = user
        attachment.save()
        urls[image.placeholder] = attachment.get_absolute_url()
    record.body = replace_placeholders(document.html, urls)
    record._history_user = user
    record.save()
    update_change_reason(record, "从 Word 文档导入正文")
    missing = alt_text_errors(record, "body", names=record.image_names)
    if missing:
        notes.append(missing["body"])
    return notes
