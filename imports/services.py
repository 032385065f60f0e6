"""Writes for imports: batches (dry run, run, rollback), flags resolved by staff, redirects.

A dry run and the real run are one code path: each chunk of rows is decided and written
inside a transaction, which the dry run rolls back and the real run commits. What the rows
share across chunks (keys, 索引号 and old addresses already seen in the file) lives in
`RunState`, so a dry run predicts the real run row for row. Between chunks the batch's
progress is saved, outside any transaction, so the admin page shows it while it runs."""

import datetime as dt
import hashlib
import html
import logging
import os
import secrets
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, models, transaction
from django.db.models import ProtectedError
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from audit.models import Action
from audit.services import audit_log
from core.dates import chinese_moment
from disclosures import selectors as disclosure_selectors
from disclosures.models import Attachment, DisclosureRecord, Genre, Organization, Topic

from . import selectors
from .fields import guess_mapping
from .models import (
    Flag,
    ImportBatch,
    ImportedAttachment,
    ImportedRecord,
    LegacyRedirect,
    RowResult,
    created_reason,
    redirect_key,
    rollback_reason,
    updated_reason,
)
from .rows import RECORD_FIELDS, Candidate, Lookups, clean_row, name_key, parse_date
from .sources import SourceError, kind_for, open_source
from .spreadsheets import SheetError

logger = logging.getLogger(__name__)
CHUNK = 500
ADD, RUN, ROLLBACK = "imports.add_importbatch", "imports.run_importbatch", "imports.rollback_importbatch"


def _require(user, permission, batch=None):
    if user is not None and not user.has_perm(permission):
        raise PermissionDenied("您没有执行这项导入操作的权限。")
    # A run files the rows under the agencies of whoever made the batch: no one else's to map or run.
    if user is not None and batch is not None and not selectors.batches_for(user).filter(pk=batch.pk).exists():
        raise PermissionDenied("这个导入批次不是您创建的。")


# --- creating a batch ------------------------------------------------------------------------


@transaction.atomic
def batch_create(
    *,
    user,
    name: str,
    data: bytes,
    source_system: str,
    old_site: str = "",
    default_publisher: Organization | None = None,
    default_topic: Topic | None = None,
) -> ImportBatch:
    """Store the file and read what it holds (headers, number of rows). A file that cannot be
    read is refused here, with the reason, before anything is saved."""
    _require(user, ADD)
    source_system = (source_system or "").strip()
    if not source_system:
        raise ValidationError({"source_system": "请填写来源系统（如“官渡区TRS旧站”）。"})
    try:
        kind = kind_for(name)
        source = open_source(data, name, kind=kind, old_site=old_site)
    except (SourceError, SheetError) as error:
        raise ValidationError({"file": str(error)}) from error
    batch = ImportBatch(
        source_system=source_system[:60],
        file_name=Path(name).name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        old_site=old_site.strip(),
        default_publisher=default_publisher,
        default_topic=default_topic,
        rows_total=source.total,
        created_by=user,
        report={"notes": source.notes, "encoding": source.encoding},
    )
    if kind == ImportBatch.Kind.SPREADSHEET:
        batch.column_mapping = _remembered_mapping(source_system, source.headers)
        unknown = [header for header, target in batch.column_mapping.items() if target is None]
        batch.column_mapping = {h: t or "" for h, t in batch.column_mapping.items()}
        batch.report["headers"] = source.headers
        batch.report["unknown_headers"] = unknown
        batch.status = ImportBatch.Status.NEEDS_MAPPING if unknown else ImportBatch.Status.READY
    same_file = ImportBatch.objects.filter(file_sha256=batch.file_sha256, source_system=batch.source_system)
    if same_file.exclude(status=ImportBatch.Status.ROLLED_BACK).exists():
        batch.report["notes"].append("同一来源系统已导入过这个文件：再次导入会更新已导入的记录，不会重复。")
    batch.file.save(name, ContentFile(data), save=False)
    batch.save()
    return batch


def _remembered_mapping(source_system, headers) -> dict:
    """Known headers by name; unknown ones as staff mapped them in this source's last batch."""
    mapping = guess_mapping(headers)
    previous = (
        ImportBatch.objects.filter(source_system=source_system, kind=ImportBatch.Kind.SPREADSHEET)
        .exclude(column_mapping={})
        .values_list("column_mapping", flat=True)
        .first()
    )
    for header, target in mapping.items():
        if target is None and previous and header in previous:
            # Mapped before (to a field, or "" for ignored): known now.
            mapping[header] = previous[header] or ""
    return mapping


def batch_set_mapping(*, batch: ImportBatch, user, columns: dict, values: dict) -> ImportBatch:
    """Save the mapping screen: {header: field or ""}, {"publisher": {text: pk}, …}."""
    _require(user, ADD, batch)
    if batch.is_running:
        raise ValidationError("批次正在运行，不能修改对应关系。")
    if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.ROLLED_BACK):
        raise ValidationError("批次已导入或已回滚：请新建批次。")
    taken = {}
    for header, target in columns.items():
        if target and target in taken:
            raise ValidationError(f"“{taken[target]}”和“{header}”都对应到了同一个字段，请只保留一个。")
        if target:
            taken[target] = header
    if "title" not in taken:
        raise ValidationError("必须有一列对应到“名称”。")
    batch.column_mapping = dict(columns)
    batch.value_mapping = {kind: {text: int(pk) for text, pk in pairs.items() if pk} for kind, pairs in values.items()}
    batch.status = ImportBatch.Status.READY
    batch.save(update_fields=["column_mapping", "value_mapping", "status"])
    return batch


# --- starting a run in the background -------------------------------------------------------


RUNNING_STATUS = {
    "dry_run": ImportBatch.Status.DRY_RUNNING,
    "run": ImportBatch.Status.RUNNING,
    "rollback": ImportBatch.Status.ROLLING_BACK,
}


def batch_start(*, batch: ImportBatch, user, action: str) -> ImportBatch:
    """Mark the batch as running and hand it to `manage.py import_records` in its own process:
    a 100k-row file must not run inside a web request (IMPORTS_BACKGROUND=False runs it here,
    for tests)."""
    _require(user, ROLLBACK if action == "rollback" else RUN, batch)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        check_can_start(batch, action, user)
        before = batch.status, batch.error
        batch.status = RUNNING_STATUS[action]
        batch.rows_done, batch.error, batch.progress_at = 0, "", timezone.now()
        batch.save(update_fields=["status", "rows_done", "error", "progress_at"])
    if not getattr(settings, "IMPORTS_BACKGROUND", True):
        run_action(batch=batch, action=action, user=user)
        batch.refresh_from_db()
        return batch
    log_dir = Path(settings.MEDIA_ROOT) / "imports"
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "import_records", "--batch", str(batch.pk)]
    command += [f"--{action.replace('_', '-')}"]
    if user is not None:
        command += ["--user-id", str(user.pk)]
    try:
        with open(log_dir / f"batch-{batch.pk}.log", "a") as log:
            subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=os.environ.copy(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # survives the web worker that started it
            )
    except OSError as error:
        # Nothing ran: the batch is as it was, to start again once the server is put right.
        reference = failure_reference(batch)
        logger.exception("import batch %s could not be started (reference %s)", batch.pk, reference)
        ImportBatch.objects.filter(pk=batch.pk).update(status=before[0], error=before[1])
        verb = {"dry_run": "试运行", "run": "正式导入", "rollback": "整批回滚"}[action]
        raise ValidationError(
            f"服务器出错，{verb}没有开始，批次没有任何改动：请稍后再试；"
            f"如果再次出错，请联系系统管理员，并告知错误编号 {reference}。"
        ) from error
    return batch


def check_can_start(batch, action, user):
    Status = ImportBatch.Status
    if batch.is_running and not stalled(batch):
        raise ValidationError("这个批次正在运行，请等它完成。")
    if action == "dry_run" and batch.status in (Status.NEEDS_MAPPING, Status.DONE, Status.ROLLED_BACK):
        raise ValidationError(
            "请先确认列对应。" if batch.status == Status.NEEDS_MAPPING else "批次已导入或已回滚：请新建批次。"
        )
    if action == "run":
        if batch.status != Status.CHECKED or batch.checked_mapping != batch.mapping_fingerprint():
            raise ValidationError("请先试运行（改过对应关系或默认值后须重新试运行），确认结果后再正式导入。")
    if action == "rollback":
        if batch.status not in (Status.DONE, Status.FAILED, Status.ROLLING_BACK, Status.RUNNING):
            raise ValidationError("只有已导入（或导入中断）的批次可以回滚。")
        rollback_check(batch=batch, user=user)


STALL_SECONDS = 600


def stalled(batch) -> bool:
    """A run whose process died (a restart, a crash) stops reporting; it may then be restarted."""
    return batch.progress_at is not None and (timezone.now() - batch.progress_at).total_seconds() > STALL_SECONDS


def run_action(*, batch: ImportBatch, action: str, user=None, progress=None):
    if action == "rollback":
        return batch_rollback(batch=batch, user=user, progress=progress)
    return batch_execute(batch=batch, dry_run=action == "dry_run", progress=progress)


# --- the run itself --------------------------------------------------------------------------


@dataclass
class RunState:
    """What the rows of one run share across chunks: the same in a dry run and the real one."""

    keys: dict = field(default_factory=dict)
    index_numbers: dict = field(default_factory=dict)
    document_numbers: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    unknown: dict = field(default_factory=lambda: defaultdict(Counter))
    flags: int = 0


@dataclass
class Decision:
    candidate: Candidate
    action: str
    messages: list
    imported: ImportedRecord | None = None
    redirect: bool = False
    before: dict | None = None
    record: DisclosureRecord | None = None


def lookups_for(batch: ImportBatch) -> Lookups:
    publishers = {}
    for pk, name, short in Organization.objects.values_list("pk", "name", "short_name"):
        publishers.setdefault(name_key(name), pk)
        if short:
            publishers.setdefault(name_key(short), pk)
    genres = list(Genre.objects.values_list("name", "pk"))
    official = list(Genre.objects.filter(is_official_document=True).values_list("name", "pk"))
    user = batch.created_by
    allowed = None
    if user is not None and not disclosure_selectors.manages_all_agencies(user):
        allowed = set(disclosure_selectors.agencies_of(user).values_list("pk", flat=True))
    return Lookups(
        publishers=publishers,
        topics={name_key(n): pk for n, pk in Topic.objects.values_list("name", "pk")},
        genres={name_key(n): pk for n, pk in genres},
        allowed_publishers=allowed,
        default_publisher=batch.default_publisher_id,
        default_topic=batch.default_topic_id,
        genre_suffixes=sorted(official, key=lambda g: -len(g[0])),
        old_site=batch.old_site,
    )


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def batch_execute(*, batch: ImportBatch, dry_run: bool, progress=None) -> ImportBatch:
    """Run (or dry-run) the whole batch; `progress(done, total)` is called after each chunk."""
    Status = ImportBatch.Status
    started = time.monotonic()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.DRY_RUNNING if dry_run else Status.RUNNING, rows_done=0, progress_at=timezone.now(), error=""
    )
    batch.refresh_from_db()
    state = RunState()
    done = 0
    try:
        with batch.file.open("rb") as handle:
            data = handle.read()
        source = open_source(
            data, batch.file_name, kind=batch.kind, mapping=batch.column_mapping, old_site=batch.old_site
        )
        lookups = lookups_for(batch)
        RowResult.objects.filter(batch=batch, dry_run=dry_run).delete()
        for chunk in _chunks(source.rows, CHUNK):
            candidates = [_clean_safely(row, lookups, batch.value_mapping) for row in chunk]
            with transaction.atomic():
                decisions = _decide(batch, candidates, state, lookups.allowed_publishers)
                _write_safely(batch, decisions, dry_run)
                if dry_run:
                    transaction.set_rollback(True)
            RowResult.objects.bulk_create(_results(batch, decisions, dry_run))
            for decision in decisions:
                state.counts[decision.action] += 1
                state.flags += len(decision.candidate.flags) if decision.action != RowResult.Action.REFUSE else 0
                for kind, text in decision.candidate.unknown:
                    state.unknown[kind][text] += 1
            done += len(chunk)
            total = max(batch.rows_total, done)
            ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, rows_total=total, progress_at=timezone.now())
            if progress:
                progress(done, total)
    except (SourceError, SheetError) as error:  # the file, as staff can put it right: its message says how
        ImportBatch.objects.filter(pk=batch.pk).update(status=Status.FAILED, error=str(error))
        raise
    except Exception:
        # Not the file's fault but the server's: staff get what was kept and what to do, and a
        # reference that finds the exception in the log for the administrator.
        reference = failure_reference(batch)
        logger.exception("import batch %s failed (reference %s)", batch.pk, reference)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.FAILED, error=_run_failure(batch, dry_run=dry_run, reference=reference)
        )
        raise
    seconds = time.monotonic() - started
    batch.refresh_from_db()
    batch.report = {
        **{k: v for k, v in batch.report.items() if k in ("notes", "encoding", "headers", "unknown_headers")},
        "mode": "dry_run" if dry_run else "run",
        "counts": {action: state.counts.get(action, 0) for action in RowResult.Action.values},
        "flags": state.flags,
        "unknown": {kind: dict(names.most_common()) for kind, names in state.unknown.items()},
        "seconds": round(seconds, 1),
        "rows_per_second": round(done / seconds, 1) if seconds else None,
    }
    batch.rows_done = batch.rows_total = done
    batch.progress_at = timezone.now()
    if dry_run:
        batch.status, batch.checked_mapping = Status.CHECKED, batch.mapping_fingerprint()
    else:
        batch.status, batch.finished_at = Status.DONE, timezone.now()
    batch.save()
    return batch


def failure_reference(batch) -> str:
    """A short reference for one failure of `batch`, shown to staff and written in the log line
    that holds the exception: the administrator finds the one among many by it. Digits only,
    to be read out on the telephone."""
    return f"{batch.pk}-{secrets.randbelow(10**6):06d}"


def _run_failure(batch, *, dry_run: bool, reference: str) -> str:
    """What staff read when a run stopped for a reason on the server's side: what it left
    behind, what to do, and the reference to give the administrator."""
    ask = f"如果再次出错，请联系系统管理员，并告知错误编号 {reference}。"
    if dry_run:
        return f"试运行因服务器出错而中断，没有写入任何记录：请重新试运行；{ask}"
    # The chunks before the failure were committed: their records are in the catalogue, as drafts.
    written = ImportedRecord.objects.filter(last_batch=batch).count()
    if not written:
        return f"正式导入因服务器出错而中断，没有导入任何记录：请重新试运行后再正式导入；{ask}"
    return (
        f"正式导入因服务器出错而中断，已导入（或更新）{written} 条记录，其余未导入："
        "请重新试运行后再正式导入（已导入的记录会更新，不会重复），或整批回滚；"
        f"{ask}"
    )


def _clean_safely(row, lookups, value_mapping) -> Candidate:
    """One row that the reader cannot make sense of is refused on its own (and the fault
    logged), rather than stopping a batch of a hundred thousand rows."""
    try:
        return clean_row(row, lookups, value_mapping)
    except Exception:
        logger.exception("import row %s could not be read", row.number)
        return Candidate(number=row.number, place=row.place, errors=["这一行无法读取，未导入（错误已记入日志）。"])


def _decide(batch, candidates, state: RunState, allowed_publishers=None) -> list[Decision]:
    """What each row does. `allowed_publishers` (None: every agency) bounds which existing
    records a row may update and which clashing record's title a refusal may name."""
    Act = RowResult.Action

    def ours(publisher_id):
        return allowed_publishers is None or publisher_id in allowed_publishers

    ok = [c for c in candidates if not c.errors]
    # Locked until the chunk is written: a reviewer publishing one of these drafts meanwhile
    # waits, and publishes what the import wrote, instead of the import writing over a
    # published record it read as a draft (SQLite's IMMEDIATE transactions already serialize).
    existing = {
        imported.source_key: imported
        for imported in ImportedRecord.objects.filter(
            source_system=batch.source_system, source_key__in=[c.key for c in ok]
        )
        .select_related("record")
        .order_by("record_id")  # locked in one order: two runs at once wait, never deadlock
        .select_for_update(of=("record",))
    }
    numbers = [c.values["index_number"] for c in ok if c.values["index_number"]]
    owners = {
        n: (pk, title if ours(publisher_id) else "")
        for n, pk, title, publisher_id in DisclosureRecord.objects.filter(index_number__in=numbers).values_list(
            "index_number", "pk", "title", "publisher_id"
        )
    }
    paths = {c.redirect_path: redirect_key(c.redirect_path) for c in ok if c.redirect_path}
    redirected = dict(LegacyRedirect.objects.filter(path_key__in=paths.values()).values_list("path_key", "record_id"))
    decisions = []
    for c in candidates:
        if c.errors:
            decisions.append(Decision(c, Act.REFUSE, c.errors))
            continue
        number = c.values["index_number"]
        if c.key in state.keys:
            decisions.append(
                Decision(c, Act.REFUSE, [f"与第 {state.keys[c.key]} 行是同一条记录（{c.key}），这一行未导入。"])
            )
            continue
        if number and number in state.index_numbers:
            decisions.append(
                Decision(c, Act.REFUSE, [f"索引号 {number} 与第 {state.index_numbers[number]} 行重复，这一行未导入。"])
            )
            continue
        imported = existing.get(c.key)
        record_id = imported.record_id if imported else None
        if imported is not None and not ours(imported.record.publisher_id):
            message = f"这一行对应的记录（{c.key}）已导入为其他机构的记录，您无权更新它，这一行未导入。"
            decisions.append(Decision(c, Act.REFUSE, [message]))
            continue
        if number and number in owners and owners[number][0] != record_id:
            owner = f"另一条记录“{owners[number][1]}”" if owners[number][1] else "其他机构的一条记录"
            decisions.append(Decision(c, Act.REFUSE, [f"索引号 {number} 已被{owner}使用，这一行未导入。"]))
            continue
        messages = list(c.warnings)
        if imported is None:
            decision = Decision(c, Act.CREATE, messages)
        elif imported.source_digest == c.digest:
            decision = Decision(c, Act.UNCHANGED, ["与上次导入时相同，未改动（人工核对和修改都保留）。"], imported)
        elif imported.record.status != DisclosureRecord.Status.DRAFT:
            status = imported.record.get_status_display()
            decision = Decision(c, Act.UNCHANGED, [f"记录{status}，导入不覆盖：如需更新请在后台修改。"], imported)
        else:
            decision = Decision(c, Act.UPDATE, ["来源有变化，已更新。", *messages], imported)
        state.keys[c.key] = c.number
        if number:
            state.index_numbers[number] = c.number
        # Said, not refused: a document and its 解读 or annex may share one; a copied row is likelier.
        if document_number := c.values["document_number"]:
            if document_number in state.document_numbers:
                decision.messages.append(
                    f"文号“{document_number}”与第 {state.document_numbers[document_number]} 行相同："
                    "如不是同一文件的不同部分，可能是复制粘贴时填错了，请核对。"
                )
            else:
                state.document_numbers[document_number] = c.number
        if c.redirect_path and decision.action in (Act.CREATE, Act.UPDATE):
            key = paths[c.redirect_path]
            if c.redirect_path in state.paths:
                decision.messages.append(f"原网址与第 {state.paths[c.redirect_path]} 行相同，只为那一行设跳转。")
            elif key in redirected and redirected[key] != record_id:
                decision.messages.append("原网址已跳转到另一条记录或地址，未改动。")
            elif key not in redirected:
                decision.redirect = True
            state.paths.setdefault(c.redirect_path, c.number)
        decisions.append(decision)
    return decisions


def _write_safely(batch, decisions, dry_run):
    """Write the chunk at once; should the database still refuse something, write the rows
    one by one to name the row it refuses (the others are kept)."""
    try:
        with transaction.atomic():
            _write(batch, decisions, dry_run)
    except DatabaseError:
        for decision in decisions:
            if decision.action in (RowResult.Action.REFUSE, RowResult.Action.UNCHANGED):
                continue
            try:
                with transaction.atomic():
                    _write(batch, [decision], dry_run)
            except DatabaseError as error:
                decision.action, decision.messages = RowResult.Action.REFUSE, [f"数据库拒绝了这一行：{error}"]
                decision.record = None


def _flag_rows(batch, imported, candidate, carried=None):
    carried = carried or {}
    rows = []
    for draft in candidate.flags:
        loss = draft.loss
        flag = Flag(
            imported=imported,
            batch=batch,
            field=draft.field,
            kind=loss.kind,
            found=loss.found[:100],
            before=draft.before,
            after=draft.after,
            position=loss.start,
            paragraph=draft.paragraph,
            line=draft.line,
            suggestion=loss.suggestion[:100],
            note=loss.note[:200],
            sets_field=draft.sets_field,
        )
        earlier = carried.get((draft.field, loss.found, draft.before, draft.after))
        if earlier:
            flag.status, flag.resolution = earlier["status"], earlier["resolution"]
            flag.resolved_by_id, flag.resolved_at = earlier["resolved_by_id"], earlier["resolved_at"]
        rows.append(flag)
    return rows


def _snapshot(record, imported) -> dict:
    def plain(value):
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value

    flags = [
        {f.attname: plain(getattr(flag, f.attname)) for f in Flag._meta.concrete_fields if f.attname != "id"}
        for flag in imported.flags.all()
    ]
    return {
        **{name: plain(getattr(record, name)) for name in RECORD_FIELDS},
        "__imported": {
            "last_batch_id": imported.last_batch_id,
            "source_digest": imported.source_digest,
            "old_url": imported.old_url,
            "source_id": imported.source_id,
        },
        "__flags": flags,
    }


def _write(batch, decisions, dry_run):
    Act = RowResult.Action
    now = timezone.now()
    user = batch.created_by
    creates = [d for d in decisions if d.action == Act.CREATE]
    updates = [d for d in decisions if d.action == Act.UPDATE]
    History = DisclosureRecord.history
    if creates:
        records = [DisclosureRecord(status=DisclosureRecord.Status.DRAFT, **d.candidate.values) for d in creates]
        records = DisclosureRecord.objects.bulk_create(records)
        History.bulk_history_create(
            records, default_user=user, default_change_reason=created_reason(batch.pk), default_date=now
        )
        imported_rows = [
            ImportedRecord(
                record=record,
                source_system=batch.source_system,
                source_key=d.candidate.key,
                source_id=d.candidate.source_id,
                old_url=d.candidate.old_url[:1000],
                batch=batch,
                last_batch=batch,
                source_digest=d.candidate.digest,
            )
            for d, record in zip(creates, records)
        ]
        imported_rows = ImportedRecord.objects.bulk_create(imported_rows)
        flags = []
        for d, record, imported in zip(creates, records, imported_rows):
            d.record, d.imported = record, imported
            flags += _flag_rows(batch, imported, d.candidate)
        Flag.objects.bulk_create(flags)
    if updates:
        imported_by_id = {d.imported.pk: d.imported for d in updates}
        old_flags = defaultdict(list)
        for flag in Flag.objects.filter(imported__in=imported_by_id):
            old_flags[flag.imported_id].append(flag)
        records, flags = [], []
        for d in updates:
            imported = d.imported
            record = imported.record
            imported._prefetched_objects_cache = {"flags": old_flags[imported.pk]}
            d.before = _snapshot(record, imported)
            carried = {
                (f.field, f.found, f.before, f.after): {
                    "status": f.status,
                    "resolution": f.resolution,
                    "resolved_by_id": f.resolved_by_id,
                    "resolved_at": f.resolved_at,
                }
                for f in old_flags[imported.pk]
                if f.status != Flag.Status.OPEN
            }
            values = _reapply(d.candidate, carried)
            for name, value in values.items():
                setattr(record, name, value)
            record.updated_at = now
            imported.source_digest, imported.last_batch = d.candidate.digest, batch
            imported.old_url, imported.source_id = d.candidate.old_url[:1000], d.candidate.source_id
            d.record = record
            records.append(record)
            flags += _flag_rows(batch, imported, d.candidate, carried)
        DisclosureRecord.objects.bulk_update(records, [*RECORD_FIELDS, "updated_at"])
        History.bulk_history_create(
            records, default_user=user, default_change_reason=updated_reason(batch.pk), default_date=now
        )
        ImportedRecord.objects.bulk_update(
            [d.imported for d in updates], ["source_digest", "last_batch", "old_url", "source_id"]
        )
        Flag.objects.filter(imported__in=imported_by_id).delete()
        Flag.objects.bulk_create(flags)
    redirects = [
        LegacyRedirect(
            old_path=d.candidate.redirect_path,
            path_key=redirect_key(d.candidate.redirect_path),
            record=d.record,
            batch=batch,
            created_at=now,
        )
        for d in creates + updates
        if d.redirect
    ]
    LegacyRedirect.objects.bulk_create(redirects)
    if not dry_run:
        for d in creates + updates:
            _save_attachments(batch, d, user)


def _reapply(candidate, carried) -> dict:
    """The new values with the corrections staff made to the same places last time."""
    values = dict(candidate.values)
    for draft in sorted(candidate.flags, key=lambda f: -f.loss.start):
        earlier = carried.get((draft.field, draft.loss.found, draft.before, draft.after))
        if earlier and earlier["status"] in (Flag.Status.ACCEPTED, Flag.Status.EDITED):
            text = values[draft.field]
            values[draft.field] = text[: draft.loss.start] + earlier["resolution"] + text[draft.loss.end :]
    return values


def _save_attachments(batch, decision, user):
    existing = (
        set(decision.record.attachments.values_list("title", flat=True)) if decision.action == "update" else set()
    )
    for position, (title, name, data) in enumerate(decision.candidate.attachments):
        if title in existing:
            continue
        attachment = Attachment(record=decision.record, title=title, position=position)
        attachment.file.save(name, ContentFile(data), save=False)
        attachment._history_user = user
        attachment.save()
        ImportedAttachment.objects.create(attachment=attachment, batch=batch)


def _results(batch, decisions, dry_run):
    return [
        RowResult(
            batch=batch,
            dry_run=dry_run,
            number=d.candidate.number,
            place=d.candidate.place[:300],
            key=d.candidate.key[:300],
            title=d.candidate.title[:300],
            action=d.action,
            messages=d.messages,
            flags=len(d.candidate.flags) if d.action != RowResult.Action.REFUSE else 0,
            record_id=None if dry_run or d.record is None else d.record.pk,
            before=None if dry_run else d.before,
        )
        for d in decisions
    ]


# --- rollback --------------------------------------------------------------------------------


def rollback_check(*, batch: ImportBatch, user=None):
    """Why this batch cannot be rolled back now (a ValidationError), or nothing. A rollback puts
    back what the batch found, so it is refused once anyone else changed one of its records:
    a whole-batch undo would silently drop their work (and delete a review trail)."""
    touched = selectors.batch_records(batch=batch)
    created = ImportedRecord.objects.filter(batch=batch).values("record")
    # First: a refusal below names a record, who changed it and when, which is for its agency.
    if user is not None and not disclosure_selectors.manages_all_agencies(user):
        outside = touched.exclude(publisher__in=disclosure_selectors.agencies_of(user)).first()
        if outside:
            raise ValidationError(f"批次中有不属于您所在机构的记录（如“{outside}”），您不能回滚它。")
    later = (
        ImportedRecord.objects.filter(record__in=touched.values("pk"))
        .exclude(last_batch=batch)
        .exclude(record__in=selectors.batch_records_restored(batch=batch))  # a rollback resumed
        .select_related("last_batch")
        .first()
    )
    if later:
        raise ValidationError(f"批次 {later.last_batch} 之后又更新了这些记录：请先回滚那个批次。")
    moved_on = touched.exclude(status=DisclosureRecord.Status.DRAFT).order_by("pk")
    if first := moved_on.first():
        others = moved_on.count() - 1
        raise ValidationError(
            f"记录“{first}”已{_status_words(first)}，不再是草稿"
            + (f"（另有 {others} 条记录也不再是草稿）" if others else "")
            + "，不能整批回滚：请逐条处理。"
        )
    changed = selectors.batch_records_changed(batch=batch)
    if first := changed.first():
        others = changed.exclude(id=first.id).values("id").distinct().count()
        title = DisclosureRecord.objects.filter(pk=first.id).values_list("title", flat=True).first()
        who = (first.history_user.get_full_name() or first.history_user.get_username()) if first.history_user else ""
        raise ValidationError(
            f"记录“{title}”在导入后已被人工修改（{who or '未记名'}于{chinese_moment(first.history_date)}）"
            + (f"，另有 {others} 条记录也在导入后改过" if others else "")
            + "，不能整批回滚：请逐条处理。"
        )
    for relation in get_candidate_relations_to_delete(DisclosureRecord._meta):
        if relation.on_delete in (models.PROTECT, models.RESTRICT):
            held = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": created}).first()
            if held is not None:
                raise ValidationError(
                    f"其他内容引用了本批次的记录（{relation.related_model._meta.verbose_name}“{held}”），无法回滚。"
                )


def _status_words(record) -> str:
    """What happened to a record since it was imported, for “记录“…”已…”."""
    Status = DisclosureRecord.Status
    if record.status == Status.PUBLISHED and not record.is_public:
        return "定时发布"
    return {Status.PENDING: "提交审核", Status.PUBLISHED: "发布", Status.WITHDRAWN: "撤回"}[record.status]


def batch_rollback(*, batch: ImportBatch, user=None, progress=None) -> ImportBatch:
    """Undo a run as a whole: delete the records it created (with their history, attachments
    and files, and redirects), restore the ones it updated (a history row says so), remove the
    attachments and redirects it added. Refused while a later batch changed the same records, or
    once anyone else did, or one of them is no longer a draft (rollback_check): the records it
    deletes were then only ever written by imports, so nothing of anyone's goes with them."""
    Status = ImportBatch.Status
    created = ImportedRecord.objects.filter(batch=batch)
    updated = RowResult.objects.filter(batch=batch, dry_run=False, action=RowResult.Action.UPDATE, record__isnull=False)
    try:
        rollback_check(batch=batch, user=user)
    except ValidationError:
        settled = Status.DONE if batch.finished_at else Status.FAILED
        ImportBatch.objects.filter(pk=batch.pk, status=Status.ROLLING_BACK).update(status=settled)
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.ROLLING_BACK, progress_at=timezone.now())
    record_ids = list(created.values_list("record_id", flat=True))
    restored = selectors.batch_records_restored(batch=batch)  # by a rollback interrupted after them
    restore = [result for result in updated if result.record_id not in restored]
    total = len(record_ids) + len(restore)
    done = 0
    History = DisclosureRecord.history.model
    AttachmentHistory = Attachment.history.model
    try:
        for chunk in _chunks(restore, CHUNK):
            with transaction.atomic():
                _restore(batch, chunk, user)
            done += len(chunk)
            _rollback_progress(batch, done, total, progress)
        for chunk in _chunks(record_ids, CHUNK):
            with transaction.atomic():
                attachments = list(Attachment.objects.filter(record_id__in=chunk))
                for attachment in attachments:
                    attachment.file.delete(save=False)
                _delete_records(chunk)
                # Their history said only that imports wrote them: the batch, its rows and the
                # audit log keep what happened (not a list of deleted records staff could restore).
                History.objects.filter(id__in=chunk).delete()
                AttachmentHistory.objects.filter(id__in=[a.pk for a in attachments]).delete()
            done += len(chunk)
            _rollback_progress(batch, done, total, progress)
        with transaction.atomic():
            # Attachments the batch added to records it updated: those records stay, and their
            # history says the attachment came and went.
            for imported in ImportedAttachment.objects.filter(batch=batch).select_related("attachment"):
                attachment = imported.attachment
                attachment.file.delete(save=False)
                attachment._history_user, attachment._change_reason = user, rollback_reason(batch.pk)
                attachment.delete()
            LegacyRedirect.objects.filter(batch=batch).delete()
    except ProtectedError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(status=Status.DONE)
        names = "、".join(str(obj) for obj in list(error.protected_objects)[:3])
        raise ValidationError(f"有其他内容引用了本批次的记录（{names}），无法回滚。") from error
    except Exception:
        # What was rolled back stays so, and a rollback started again goes on from there.
        reference = failure_reference(batch)
        logger.exception("rollback of import batch %s failed (reference %s)", batch.pk, reference)
        message = (
            "整批回滚因服务器出错而中断，已回滚的部分保持回滚：请重新整批回滚（会从中断处继续）；"
            f"如果再次出错，请联系系统管理员，并告知错误编号 {reference}。"
        )
        ImportBatch.objects.filter(pk=batch.pk).update(status=Status.FAILED, error=message)
        raise
    batch.refresh_from_db()
    batch.status, batch.rolled_back_at, batch.progress_at = Status.ROLLED_BACK, timezone.now(), timezone.now()
    batch.report = {**batch.report, "rolled_back": {"deleted": len(record_ids), "restored": len(restore)}}
    batch.save()
    audit_log(user, Action.DELETE, batch, f"回滚导入批次：删除 {len(record_ids)} 条记录，恢复 {len(restore)} 条")
    return batch


def _delete_records(ids):
    """Delete records the batch created without a model delete's per-object signals (each
    re-syncs the search index and writes a history row: ~70 records/s). Their dependents go by
    relation, as the collector would: CASCADE deleted, SET_NULL cleared, PROTECT refused. The
    records are drafts only imports wrote (rollback_check), so no page or search document shows
    them."""
    for relation in get_candidate_relations_to_delete(DisclosureRecord._meta):
        on_delete = relation.on_delete
        if on_delete is models.DO_NOTHING:
            continue  # history rows: removed by the caller
        related = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": ids})
        if on_delete is models.SET_NULL:
            related.update(**{relation.field.name: None})
        elif on_delete in (models.PROTECT, models.RESTRICT):
            if protected := list(related[:3]):
                raise ProtectedError("protected", set(protected))
        else:
            related.delete()
    records = DisclosureRecord.objects.filter(pk__in=ids)
    records._raw_delete(records.db)


def _rollback_progress(batch, done, total, progress):
    ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, rows_total=total, progress_at=timezone.now())
    if progress:
        progress(done, total)


def _restore(batch, results, user):
    """Put back what updated records held before this batch, flags included, in a history row
    of its own: the batch's update stays in the history, as it happened."""
    records = {r.pk: r for r in DisclosureRecord.objects.filter(pk__in=[res.record_id for res in results])}
    changed, imported_rows = [], []
    for result in results:
        record, before = records.get(result.record_id), result.before or {}
        if record is None or not before:
            continue
        for name in RECORD_FIELDS:
            value = before[name]
            if name in ("written_date", "effective_date", "invalid_date") and value:
                value = dt.date.fromisoformat(value)
            elif name == "published_at" and value:
                value = dt.datetime.fromisoformat(value)
            setattr(record, name, value)
        changed.append(record)
        imported = record.imported
        for name, value in before["__imported"].items():
            setattr(imported, name, value)
        imported_rows.append(imported)
        Flag.objects.filter(imported=imported).delete()
        old = []
        for data in before["__flags"]:
            data = dict(data)
            if data.get("resolved_at"):
                data["resolved_at"] = dt.datetime.fromisoformat(data["resolved_at"])
            old.append(Flag(**data))
        Flag.objects.bulk_create(old)
    now = timezone.now()
    for record in changed:
        record.updated_at = now
    DisclosureRecord.objects.bulk_update(changed, [*RECORD_FIELDS, "updated_at"])
    DisclosureRecord.history.bulk_history_create(
        changed, update=True, default_user=user, default_change_reason=rollback_reason(batch.pk), default_date=now
    )
    ImportedRecord.objects.bulk_update(imported_rows, ["last_batch_id", "source_digest", "old_url", "source_id"])


# --- flags -----------------------------------------------------------------------------------


def _locate(text: str, flag: Flag) -> int | None:
    """Where the flagged text stands now (staff may have edited around it): by its context,
    then by the nearest occurrence to where it was found."""
    for needle, offset in (
        (flag.before + flag.found + flag.after, len(flag.before)),
        (flag.before + flag.found, len(flag.before)),
        (flag.found + flag.after, 0),
    ):
        if needle and flag.found and (at := text.find(needle)) >= 0:
            if text.find(needle, at + 1) < 0 or offset == 0:
                return at + offset
    positions = []
    at = text.find(flag.found)
    while at >= 0 and flag.found:
        positions.append(at)
        at = text.find(flag.found, at + 1)
    return min(positions, key=lambda p: abs(p - (flag.position or 0))) if positions else None


@transaction.atomic
def flag_resolve(*, flag: Flag, user, action: str, text: str = "") -> Flag:
    """Staff decide one flag: "accept" the suggested reading, "edit" (their own reading),
    or "keep" the text as it is. The record is saved through its model (history, sanitizing)."""
    flag = Flag.objects.select_for_update().select_related("imported__record").get(pk=flag.pk)
    record = DisclosureRecord.objects.select_for_update().get(pk=flag.imported.record_id)
    if user is not None and not disclosure_selectors.can_manage_record(user, record):
        raise PermissionDenied("该记录不属于您所在的机构。")
    if record.status != DisclosureRecord.Status.DRAFT:
        raise ValidationError("记录已不是草稿：请在记录的修改页直接修改。")
    if flag.status != Flag.Status.OPEN:
        raise ValidationError("这一处已经核对过了。")
    if action == "keep":
        flag.status, flag.resolution = Flag.Status.KEPT, flag.found
    elif action in ("accept", "edit"):
        reading = flag.suggestion if action == "accept" else (text or "").strip()
        if not reading:
            raise ValidationError(
                "这一处没有建议读法，请填写正确的文字。" if action == "accept" else "请填写正确的文字。"
            )
        if len(reading) > 100:
            raise ValidationError("读法过长（最多 100 个字符）：更长的修改请在记录中直接进行。")
        value = getattr(record, flag.field) or ""
        at = _locate(value, flag)
        if at is None:
            raise ValidationError("原文这一处已被修改，无法自动替换：请在记录中直接修改，然后选“保持原样”。")
        written = html.escape(reading, quote=False) if flag.field == "body" else reading
        setattr(record, flag.field, value[:at] + written + value[at + len(flag.found) :])
        if flag.sets_field == "written_date" and not record.written_date:
            try:
                record.written_date = parse_date(reading, "落款日期")
            except ValueError as error:
                raise ValidationError(f"{error}这一处是落款日期，将作为成文日期，请写成“2023年5月31日”。") from error
        record._history_user = user
        record._change_reason = f"核对导入缺字：{flag.found} → {reading}"
        record.save()
        flag.status = Flag.Status.ACCEPTED if action == "accept" else Flag.Status.EDITED
        flag.resolution = reading
    else:
        raise ValidationError("未知的核对操作。")
    flag.resolved_by, flag.resolved_at = user, timezone.now()
    flag.save()
    return flag
