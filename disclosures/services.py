"""Writes for the disclosure catalogue (HackSoft style: services write, selectors read)."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import update_change_reason

from audit.models import Action
from audit.services import audit_log
from core.counters import counter_buffer
from core.working_days import working_days_between

from . import selectors
from .bots import is_crawler
from .index_numbers import allocate_index_number
from .models import DELETED_WITH_RECORD, Attachment, DisclosureRecord

PUBLISH_DEADLINE_WORKING_DAYS = 20  # 条例 Art. 26


@dataclass
class PublishResult:
    record: DisclosureRecord
    warnings: list[str] = field(default_factory=list)


def publication_delay_warning(*, written: dt.date | None, published: dt.datetime | None, label="成文日期"):
    """Art. 26: proactive information is published within 20 working days of being made."""
    if not written or not published:
        return None
    published_day = timezone.localtime(published).date()
    days, exact = working_days_between(written, published_day)
    if days <= PUBLISH_DEADLINE_WORKING_DAYS:
        return None
    note = "" if exact else "（该年度无官方调休数据，按周一至周五估算）"
    return (
        f"发布日期距{label}已超过{PUBLISH_DEADLINE_WORKING_DAYS}个工作日（{days}个工作日{note}），"
        f"不符合《政府信息公开条例》第二十六条“20个工作日内及时公开”的要求，请核实。"
    )


def _check_agency(user, record):
    """A staff member acts only on their agencies' records (`user=None`: the system itself)."""
    if user is not None and not selectors.can_manage_record(user, record):
        raise PermissionDenied("该记录不属于您所在的机构。")


@transaction.atomic
def record_publish(*, record: DisclosureRecord, user=None, published_at=None) -> PublishResult:
    """Publish (or schedule) a record: assigns its 索引号 once and records who did it."""
    record = DisclosureRecord.objects.select_for_update().select_related("publisher").get(pk=record.pk)
    _check_agency(user, record)
    if published_at is not None:
        record.published_at = published_at
    elif record.published_at is None:
        record.published_at = timezone.now().replace(second=0, microsecond=0)
    if not record.index_number:
        record.index_number = allocate_index_number(record, timezone.localtime(record.published_at))
    record.status = DisclosureRecord.Status.PUBLISHED
    record.full_clean()
    record._history_user = user
    record.save()
    update_change_reason(record, "发布" if record.is_public else "定时发布")
    audit_log(
        user,
        Action.PUBLISH,
        record,
        "发布" if record.is_public else f"定时发布：{timezone.localtime(record.published_at):%Y-%m-%d %H:%M}",
    )
    warnings = []
    warning = publication_delay_warning(written=record.written_date, published=record.published_at)
    if warning:
        warnings.append(warning)
    return PublishResult(record=record, warnings=warnings)


@transaction.atomic
def record_withdraw(*, record: DisclosureRecord, user=None, reason: str = "") -> DisclosureRecord:
    record = DisclosureRecord.objects.select_for_update().get(pk=record.pk)
    _check_agency(user, record)
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
    (their files are kept on deletion for this, unreachable while the record is gone)."""
    History = DisclosureRecord.history.model
    deleted = History.objects.select_for_update().get(history_id=history_id, history_type="-")
    if DisclosureRecord.objects.filter(pk=deleted.id).exists():
        raise ValidationError("这条记录已经恢复。")
    record = deleted.instance
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
    return record
