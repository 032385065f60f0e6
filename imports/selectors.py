"""Reads for imports: where an old address leads, what a batch did, what is left to check."""

from django.db.models import Count, F, OuterRef, Q, Subquery

from disclosures import selectors as disclosure_selectors
from disclosures.models import DisclosureRecord

from .addresses import lookup_keys
from .models import (
    Flag,
    ImportBatch,
    ImportedRecord,
    LegacyRedirect,
    RowResult,
    created_reason,
    redirect_key,
    rollback_reason,
    updated_reason,
)


def redirect_target(*, path: str, query: str) -> str | None:
    """The address an old one moves to: its record's page once the record is public (a
    draft's or a withdrawn record's old address stays a 404, revealing nothing), or the
    address staff entered."""
    keys = [redirect_key(key) for key in lookup_keys(path, query)]
    rows = {row.path_key: row for row in LegacyRedirect.objects.filter(path_key__in=keys).select_related("record")}
    for key in keys:
        row = rows.get(key)
        if row is None:
            continue
        if row.target_url:
            return row.target_url
        if row.record is not None and row.record.is_public:
            return row.record.get_absolute_url()
        return None
    return None


def batches_for(user):
    """The batches a staff member may open: their own, or all for district-wide staff."""
    if disclosure_selectors.manages_all_agencies(user):
        return ImportBatch.objects.all()
    return ImportBatch.objects.filter(created_by=user)


def batch_results(*, batch: ImportBatch, dry_run: bool, action: str = ""):
    results = RowResult.objects.filter(batch=batch, dry_run=dry_run).select_related("record")
    return results.filter(action=action) if action else results


def batch_flags(*, batch: ImportBatch, status: str = Flag.Status.OPEN):
    flags = Flag.objects.filter(imported__batch=batch) | Flag.objects.filter(batch=batch)
    flags = flags.select_related("imported__record").order_by("imported__record_id", "field", "position")
    return flags.filter(status=status) if status else flags


def batch_flag_counts(*, batch: ImportBatch) -> dict:
    return Flag.objects.filter(Q(imported__batch=batch) | Q(batch=batch)).aggregate(
        open=Count("pk", filter=Q(status=Flag.Status.OPEN)), total=Count("pk")
    )


def record_open_flags(*, record: DisclosureRecord) -> int:
    return Flag.objects.open().filter(imported__record=record).count()


def batch_records(*, batch: ImportBatch):
    """The records a batch's run created or updated (what its rollback would delete or restore)."""
    created = ImportedRecord.objects.filter(batch=batch).values("record")
    updated = RowResult.objects.filter(batch=batch, dry_run=False, action=RowResult.Action.UPDATE).values("record")
    return DisclosureRecord.objects.filter(pk__in=created) | DisclosureRecord.objects.filter(pk__in=updated)


def batch_records_changed(*, batch: ImportBatch):
    """History rows of the batch's records written after the batch's own row for that record by
    anything but an import: a staff edit, a flag checked, a review step. A later batch's update
    and its rollback cancel out once that batch is rolled back (one still in place is refused
    before this: the record's last batch is then not this one). Oldest first."""
    History = DisclosureRecord.history.model
    own = [created_reason(batch.pk), updated_reason(batch.pk), rollback_reason(batch.pk)]  # a rollback resumed
    undone = []
    rolled_back = ImportBatch.objects.filter(source_system=batch.source_system, status=ImportBatch.Status.ROLLED_BACK)
    for pk in rolled_back.exclude(pk=batch.pk).values_list("pk", flat=True):
        undone += [updated_reason(pk), rollback_reason(pk)]
    written = (
        History.objects.filter(id=OuterRef("id"), history_change_reason__in=own)
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    return (
        History.objects.filter(id__in=batch_records(batch=batch).values("pk"))
        .annotate(written=Subquery(written))
        .filter(history_id__gt=F("written"))
        .exclude(history_change_reason__in=own + undone)
        .select_related("history_user")
        .order_by("history_id")
    )


def batch_records_restored(*, batch: ImportBatch) -> set[int]:
    """Records this batch's rollback already put back (their newest history row is its own): a
    rollback interrupted after them and started again skips them, and their earlier batch's
    name, back on them, is no later batch."""
    History = DisclosureRecord.history.model
    newest = History.objects.filter(id=OuterRef("id")).order_by("-history_id").values("history_change_reason")[:1]
    return set(
        History.objects.filter(
            id__in=batch_records(batch=batch).values("pk"), history_change_reason=rollback_reason(batch.pk)
        )
        .annotate(newest=Subquery(newest))
        .filter(newest=rollback_reason(batch.pk))
        .values_list("id", flat=True)
    )
