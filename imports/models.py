"""Moving a district in: import batches, what each imported record came from, the places
where the old text lost characters, and the old addresses that answer with a 301.

The catalogue (disclosures) is not changed: an imported record is an ordinary draft
DisclosureRecord, and everything about where it came from lives here, linked to it."""

import hashlib
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from disclosures.models import DisclosureRecord, Organization, Topic


# The change reasons an import writes in a record's history: a rollback tells the rows imports
# wrote from everyone else's by them (imports.selectors.batch_records_changed).
def created_reason(batch_pk) -> str:
    return f"导入（批次 #{batch_pk}）"


def updated_reason(batch_pk) -> str:
    return f"导入更新（批次 #{batch_pk}）"


def rollback_reason(batch_pk) -> str:
    return f"回滚导入（批次 #{batch_pk}）"


def batch_upload_to(instance, filename):
    # Never served to anyone: an unguessable name under imports/, read by the import only.
    return f"imports/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()[:10]}"


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        SPREADSHEET = "spreadsheet", "表格（CSV/XLSX）"
        PAGES = "pages", "网页采集（HTML/文本，或其压缩包）"

    class Status(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", "待确认列对应"
        READY = "ready", "待试运行"
        DRY_RUNNING = "dry_running", "试运行中"
        CHECKED = "checked", "已试运行"
        RUNNING = "running", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "出错中断"
        ROLLING_BACK = "rolling_back", "回滚中"
        ROLLED_BACK = "rolled_back", "已回滚"

    RUNNING_STATES = (Status.DRY_RUNNING, Status.RUNNING, Status.ROLLING_BACK)

    source_system = models.CharField(
        "来源系统",
        max_length=60,
        help_text="如“官渡区TRS旧站”。再次导入同一来源时，按来源系统加来源编号（或原网址、索引号）更新已导入的记录，不会重复。",
    )
    file = models.FileField("文件", upload_to=batch_upload_to)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件摘要", max_length=64, editable=False)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    old_site = models.CharField(
        "原网站地址",
        max_length=200,
        blank=True,
        help_text="如 http://www.kmgd.gov.cn/ ；采集的网页没有记下自己的地址时，用它加上压缩包内的路径作为原网址。",
    )
    default_publisher = models.ForeignKey(
        Organization,
        verbose_name="默认发布机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="行内没有发布机构时使用。",
    )
    default_topic = models.ForeignKey(
        Topic,
        verbose_name="默认主题分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="行内没有主题分类时使用。",
    )
    # {header as in the file: field name or "" (ignored)}; {"publisher": {text: pk}, "topic": …, "genre": …}.
    column_mapping = models.JSONField("列对应", default=dict, blank=True)
    value_mapping = models.JSONField("取值对应", default=dict, blank=True)
    # What the last dry run or run found: counts per action, unknown values, file-level notes.
    report = models.JSONField("结果摘要", default=dict, blank=True)
    status = models.CharField("状态", max_length=14, choices=Status.choices, default=Status.READY)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)
    progress_at = models.DateTimeField("进度更新于", null=True, blank=True)
    error = models.TextField("错误", blank=True)
    # The mapping the last dry run used: a real run needs a dry run of the current mapping.
    checked_mapping = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    rolled_back_at = models.DateTimeField("回滚时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("run_importbatch", "可以试运行和正式导入"),
            ("rollback_importbatch", "可以回滚导入批次"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.file_name}（{self.source_system}）"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATES

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    def mapping_fingerprint(self) -> str:
        """Changes whenever what a run would do changes (the mappings and the defaults)."""
        import json

        data = [
            self.column_mapping,
            self.value_mapping,
            self.default_publisher_id,
            self.default_topic_id,
            self.old_site,
            self.source_system,
        ]
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class RowResult(models.Model):
    """What a dry run or the real run did with one row (or one captured page)."""

    class Action(models.TextChoices):
        CREATE = "create", "新建"
        UPDATE = "update", "更新"
        UNCHANGED = "unchanged", "不变"
        REFUSE = "refuse", "拒绝"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="results")
    dry_run = models.BooleanField("试运行")
    number = models.PositiveIntegerField("行号")
    place = models.CharField("位置", max_length=300, blank=True)  # a page's path in the ZIP
    key = models.CharField("来源标识", max_length=300, blank=True)
    title = models.CharField("名称", max_length=300, blank=True)
    action = models.CharField("处理", max_length=10, choices=Action.choices)
    messages = models.JSONField("说明", default=list, blank=True)
    flags = models.PositiveIntegerField("待核对", default=0)
    record = models.ForeignKey(
        DisclosureRecord, verbose_name="记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For an update: the record's fields before it, so a rollback restores them.
    before = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入结果"
        ordering = ["number"]
        indexes = [models.Index(fields=["batch", "dry_run", "number"], name="imports_result_order")]

    def __str__(self):
        return f"{self.number}: {self.get_action_display()}"


class ImportedRecord(models.Model):
    """Where an imported record came from: re-importing the same source updates it."""

    record = models.OneToOneField(DisclosureRecord, on_delete=models.CASCADE, related_name="imported")
    source_system = models.CharField("来源系统", max_length=60)
    # The source's id, else "url:" + the old URL, else "索引号:" + the 索引号.
    source_key = models.CharField("来源标识", max_length=300)
    source_id = models.CharField("来源编号", max_length=100, blank=True)
    old_url = models.CharField("原网址", max_length=1000, blank=True)
    batch = models.ForeignKey(ImportBatch, verbose_name="导入批次", on_delete=models.PROTECT, related_name="created")
    last_batch = models.ForeignKey(
        ImportBatch, verbose_name="最近更新批次", on_delete=models.PROTECT, related_name="updated"
    )
    # A digest of the values the source gave last time: an unchanged row is left alone, so
    # corrections staff made since are kept.
    source_digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "导入来源"
        constraints = [
            models.UniqueConstraint(fields=["source_system", "source_key"], name="imports_source_unique"),
        ]

    def __str__(self):
        return f"{self.source_system}: {self.source_key}"


class ImportedAttachment(models.Model):
    """An attachment the import brought in (so a rollback removes it, file included)."""

    attachment = models.OneToOneField("disclosures.Attachment", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="attachments")

    def __str__(self):
        return f"{self.batch_id}: {self.attachment_id}"


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Flag.Status.OPEN)


class Flag(models.Model):
    """A place where the old text seems to have lost characters: never silently kept or fixed.
    Staff accept the suggested reading, type their own, or keep the text as it is."""

    class Kind(models.TextChoices):
        BRACKET = "bracket", "文号括号或“号”字缺失"
        DOCUMENT_NUMBER = "document_number", "文号缺少六角括号"
        YEAR = "year", "年份后缺“年”字"
        DATE = "date", "年月日连写（缺“年”“月”“日”）"
        UNIT = "unit", "数字后缺单位"
        REPLACEMENT = "replacement", "替换字符（原字已丢失）"
        MOJIBAKE = "mojibake", "乱码（编码读错）"

    class Status(models.TextChoices):
        OPEN = "open", "待核对"
        ACCEPTED = "accepted", "采用建议"
        EDITED = "edited", "人工修改"
        KEPT = "kept", "保持原样"

    imported = models.ForeignKey(ImportedRecord, on_delete=models.CASCADE, related_name="flags")
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="flags")
    field = models.CharField("字段", max_length=40)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    found = models.CharField("原文", max_length=100)
    before = models.CharField("前文", max_length=60, blank=True)
    after = models.CharField("后文", max_length=60, blank=True)
    position = models.PositiveIntegerField("位置", default=0)  # offset in the field when found
    paragraph = models.PositiveIntegerField("段落", null=True, blank=True)
    line = models.PositiveIntegerField("原文行号", null=True, blank=True)
    suggestion = models.CharField("建议读法", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    # A field the reading also fills, e.g. the letter's date line gives 成文日期.
    sets_field = models.CharField(max_length=40, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField("采用读法", max_length=100, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核对人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField("核对时间", null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "待核对的缺字"
        ordering = ["imported_id", "field", "paragraph", "pk"]

    def __str__(self):
        return f"{self.place}：{self.found}"

    @property
    def place(self) -> str:
        from .fields import FIELD_LABELS

        parts = [FIELD_LABELS.get(self.field, self.field)]
        if self.paragraph:
            parts.append(f"第{self.paragraph}段")
        if self.line:
            parts.append(f"（原文第{self.line}行）")
        return "".join(parts)


def redirect_key(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()


class LegacyRedirect(models.Model):
    """An old address (path and query string) that answers with a 301: to an imported record
    once it is public, or to any address on this site that staff enter."""

    old_path = models.TextField(
        "原地址",
        help_text="旧网站上的地址，如 /art/2023/6/16/art_123_456.html 或 /xxgk/detail.jsp?id=123 ；可粘贴完整网址。",
    )
    path_key = models.CharField(max_length=64, unique=True, editable=False)
    record = models.ForeignKey(
        DisclosureRecord,
        verbose_name="指向记录",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="记录公开后才跳转；草稿或已撤回时旧地址仍为“页面未找到”。",
    )
    target_url = models.CharField(
        "指向地址", max_length=500, blank=True, help_text="不指向记录时填写本站地址，以 / 开头。"
    )
    batch = models.ForeignKey(
        ImportBatch, verbose_name="导入批次", null=True, blank=True, on_delete=models.CASCADE, related_name="redirects"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "旧网址跳转"
        ordering = ["old_path"]

    def __str__(self):
        return self.old_path

    def clean(self):
        from .addresses import normalize_old_url

        try:
            self.old_path = normalize_old_url(self.old_path)
        except ValueError as error:
            raise ValidationError({"old_path": str(error)}) from error
        if bool(self.record_id) == bool(self.target_url):
            raise ValidationError("请选择指向的记录，或填写指向地址（二者填一项）。")
        if self.target_url and (not self.target_url.startswith("/") or self.target_url.startswith("//")):
            raise ValidationError({"target_url": "指向地址须是本站地址，以 / 开头，如 /disclosures/…/ 。"})
        clash = LegacyRedirect.objects.filter(path_key=redirect_key(self.old_path)).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError({"old_path": "这个原地址已经设置了跳转。"})

    def save(self, *args, **kwargs):
        self.path_key = redirect_key(self.old_path)
        super().save(*args, **kwargs)
