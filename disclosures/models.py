import contextvars
import datetime as dt
import os
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from core.dates import chinese_date, local_day
from core.vocabulary import Vocabulary

from .codes import validate_credit_code_checksum, validate_org_code_checksum
from .document_numbers import normalize_document_number, validate_document_number
from .editor import RichTextField
from .sanitize import alt_text_errors, rich_text_errors, sanitize_html, visible_text
from .uploads import content_problem, macro_name_problem

org_code_validator = RegexValidator(
    r"^[0-9A-Z]{8}[0-9X]$", "组织机构代码应为9位数字或大写字母（不含连字符），例如 015117762。"
)
credit_code_validator = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "统一社会信用代码应为18位（数字或大写字母，不含 I、O、Z、S、V）。",
)
KEYWORD_SPLIT = re.compile(r"[,，;；、\s]+")
MAX_KEYWORDS = 5

# 三审: the stages a record passes with 1, 2 or 3 review levels. The last is always 终审, whose
# approval publishes; agencies with more staff add 初审 and 复审 before it (ADR 0051).
REVIEW_STAGES = {1: ("final",), 2: ("first", "final"), 3: ("first", "second", "final")}
REVIEW_STAGE_LABELS = {"first": "初审", "second": "复审", "final": "终审"}
REVIEW_LEVEL_CHOICES = [(1, "一级（终审）"), (2, "二级（初审、终审）"), (3, "三级（初审、复审、终审）")]

# A record's 成文日期 and 发布日期 lie between the founding of the People's Republic (no
# government information here is older) and two years from today: a document is dated when
# signed and a publication scheduled months ahead, not years. Outside them a date is a typing
# slip (9999-12-31, 0001-01-01), which the Art. 26 working-day count cannot even handle.
RECORD_EARLIEST_DATE = dt.date(1949, 10, 1)
RECORD_YEARS_AHEAD = 2


def record_latest_date() -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + RECORD_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + RECORD_YEARS_AHEAD, day=28)


def record_date_error(label: str, day: dt.date | None) -> str | None:
    """Why `day` cannot be a record's `label` (成文日期, 发布日期), or None."""
    if day is None:
        return None
    if day < RECORD_EARLIEST_DATE:
        return f"{label}不能早于{chinese_date(RECORD_EARLIEST_DATE)}，请检查年份。"
    latest = record_latest_date()
    if day > latest:
        return f"{label}不能晚于{chinese_date(latest)}（今天起{RECORD_YEARS_AHEAD}年内），请检查年份。"
    return None


def review_permission(stage: str) -> str:
    """The permission a reviewer needs to decide `stage` (e.g. disclosures.review_first_disclosurerecord)."""
    return f"disclosures.review_{stage}_disclosurerecord"


class Organization(Vocabulary):
    """机构: a publisher, drafting body, handling unit or the disclosure office."""

    name = models.CharField("机构全称", max_length=200, unique=True)
    short_name = models.CharField("简称", max_length=100, blank=True)
    org_code = models.CharField(
        "组织机构代码",
        max_length=9,
        blank=True,
        validators=[org_code_validator, validate_org_code_checksum],
        help_text="9位，GB 11714；用于生成索引号。",
    )
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, validators=[credit_code_validator, validate_credit_code_checksum]
    )
    parent = models.ForeignKey(
        "self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    address = models.CharField("办公地址", max_length=200, blank=True)
    office_hours = models.CharField("办公时间", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=100, blank=True)
    fax = models.CharField("传真号码", max_length=100, blank=True)
    online_contact = models.CharField("互联网联系方式", max_length=200, blank=True)
    section_code = models.SlugField(
        "公开专栏代码",
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text="小写字母、数字或连字符，如 mzj；填写后该机构在 /gk/代码/ 有自己的政府信息公开专栏。设定后请勿更改。",
    )
    review_levels = models.PositiveSmallIntegerField(
        "信息发布审核级数",
        null=True,
        blank=True,
        choices=REVIEW_LEVEL_CHOICES,
        help_text="本机构发布的政府信息须经几级审核；留空则按全区统一设置。已提交的记录按提交时的级数审核。",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "机构"
        ordering = ["name"]
        permissions = [("manage_all_agencies", "可以管理全区所有机构的政府信息（不限所属机构）")]

    @property
    def index_code(self) -> str:
        """The 9-character code used in 索引号; taken from the credit code when only it is known."""
        if self.org_code:
            return self.org_code
        if self.credit_code:
            return self.credit_code[8:17]
        return ""

    @property
    def effective_review_levels(self) -> int:
        return self.review_levels or settings.DISCLOSURE_REVIEW_LEVELS

    def save(self, *args, **kwargs):
        self.section_code = self.section_code or None  # blank is "no section", and unique only when set
        super().save(*args, **kwargs)


class AgencyMembership(models.Model):
    """Which agencies (公开单位) a staff member works for: without `manage_all_agencies` they
    see, change, publish and withdraw only these agencies' records."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="工作人员", on_delete=models.CASCADE, related_name="agency_memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name="所属机构", on_delete=models.CASCADE, related_name="staff_memberships"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "工作人员所属机构"
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="disclosures_membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.organization}"


class Topic(Vocabulary):
    """主题分类: State Council first-level classes plus site-defined ones (e.g. "2023年")."""

    name = models.CharField("名称", max_length=100, unique=True)
    is_national = models.BooleanField("国务院主题分类", default=False)
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "主题分类"
        ordering = ["position", "name"]


class Genre(Vocabulary):
    """体裁分类: the 15 公文文种 and the usual non-公文 genres."""

    name = models.CharField("名称", max_length=50, unique=True)
    is_official_document = models.BooleanField("公文文种", default=False)
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "体裁分类"
        ordering = ["position", "name"]


def published_q(prefix="", *, at=None) -> Q:
    """The condition of RecordQuerySet.published, for records reached through a relation
    (`prefix="source_record__"`): a join, which lets the database start from the few rows that
    point at records instead of a semi-join over every public record."""
    return Q(
        **{f"{prefix}status": DisclosureRecord.Status.PUBLISHED, f"{prefix}published_at__lte": at or timezone.now()}
    )


def withdrawn_after_public_q(prefix="") -> Q:
    """Records withdrawn after they were public: their last save, the withdrawal unless staff
    edited them since, is when they left the public. Pages dated by their newest public item
    count it too, so their date never goes back when that item leaves."""
    return Q(
        **{
            f"{prefix}status": DisclosureRecord.Status.WITHDRAWN,
            f"{prefix}published_at__lte": F(f"{prefix}updated_at"),
        }
    )


# Where the record page's read keeps a document's public 解读 (DisclosureRecord.public_interpretations).
PUBLIC_INTERPRETATIONS = "prefetched_public_interpretations"
# How far a new 解读对象 is followed looking for a loop back to the record.
INTERPRETATION_CHAIN_LIMIT = 20


def public_interpretations_of(queryset):
    """`queryset` (records interpreting a document) narrowed to the public ones, oldest first,
    with what their links need."""
    return (
        queryset.published()
        .order_by("published_at", "pk")
        .only("pk", "title", "index_number", "status", "published_at", "interprets_id")
    )


class RecordQuerySet(models.QuerySet):
    def published(self, at=None):
        """Visible to the public: published and not scheduled for later."""
        return self.filter(published_q(at=at))

    def for_listing(self):
        return self.select_related("publisher", "topic")


class RecordManager(models.Manager.from_queryset(RecordQuerySet)):
    def get_by_natural_key(self, index_number):
        return self.get(index_number=index_number)


class DisclosureRecord(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PENDING = "pending", "待审核"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    class Validity(models.TextChoices):
        VALID = "valid", "有效"
        EXPIRED = "expired", "失效"
        REPEALED = "repealed", "废止"

    class DisclosureMode(models.TextChoices):
        PROACTIVE = "proactive", "主动公开"
        ON_REQUEST = "on_request", "依申请公开"
        WITHHELD = "withheld", "不予公开"

    index_number = models.CharField(
        "索引号",
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="首次发布时由系统生成，之后不再改变；导入的记录可保留原索引号。",
    )
    title = models.CharField("名称", max_length=300)
    publisher = models.ForeignKey(
        Organization, verbose_name="发布机构", on_delete=models.PROTECT, related_name="published_records"
    )
    drafting_org = models.ForeignKey(
        Organization,
        verbose_name="成文机构（承办单位）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drafted_records",
    )
    document_number = models.CharField(
        "文号",
        max_length=100,
        blank=True,
        validators=[validate_document_number],
        help_text="如 官办通〔2020〕26号；[2020]、(2020) 会自动规范为〔2020〕。非公文可留空。",
    )
    written_date = models.DateField("成文日期", null=True, blank=True)
    published_at = models.DateTimeField(
        "发布日期", null=True, blank=True, help_text="精确到分钟；设为将来时间即定时发布。"
    )
    topic = models.ForeignKey(Topic, verbose_name="主题分类", on_delete=models.PROTECT, related_name="records")
    genre = models.ForeignKey(
        Genre, verbose_name="体裁分类", null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    keywords = models.CharField("关键字", max_length=200, blank=True, help_text="最多5个，用逗号或顿号分隔。")
    summary = models.TextField("内容概述", blank=True)
    validity = models.CharField("有效性", max_length=10, choices=Validity.choices, default=Validity.VALID)
    effective_date = models.DateField("生效日期", null=True, blank=True)
    invalid_date = models.DateField("失效/废止日期", null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", verbose_name="替代文件", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    # 政策解读 (国办发〔2016〕19号): the document this record interprets; the two pages link each other.
    interprets = models.ForeignKey(
        "self",
        verbose_name="解读对象",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interpretations",
        help_text="本记录是政策解读时，选择所解读的政策文件；两者的页面互相链接。",
    )
    disclosure_mode = models.CharField(
        "公开方式", max_length=12, choices=DisclosureMode.choices, default=DisclosureMode.PROACTIVE
    )
    withheld_reason = models.TextField("不予公开理由", blank=True)
    body = RichTextField("正文", blank=True, help_text="保存时自动清除脚本、事件属性和 javascript: 链接。")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # While pending: the round's number of levels (fixed when submitted) and the level awaiting a decision.
    review_levels = models.PositiveSmallIntegerField("审核级数", default=0, editable=False)
    review_level = models.PositiveSmallIntegerField("待审级别", default=0, editable=False)
    view_count = models.PositiveIntegerField("浏览次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["view_count"])

    objects = RecordManager()

    class Meta:
        verbose_name = verbose_name_plural = "政府信息公开记录"
        ordering = ["-published_at", "-id"]
        permissions = [
            ("publish_disclosurerecord", "可以发布、撤回政府信息公开记录"),
            ("review_first_disclosurerecord", "可以初审政府信息公开记录"),
            ("review_second_disclosurerecord", "可以复审政府信息公开记录"),
            ("review_final_disclosurerecord", "可以终审政府信息公开记录（终审通过即发布）"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="record_public_order"),
            models.Index(fields=["topic", "status", "-published_at"], name="record_topic_order"),
            models.Index(fields=["publisher", "status", "-published_at"], name="record_publisher_order"),
            # The staff changelist (any status, newest first), its exact 文号 look-up and its
            # filters on the rarer values; its word search has a GIN index (migration 0006).
            models.Index(fields=["-published_at", "-id"], name="record_admin_order"),
            models.Index(fields=["document_number"], name="record_document_number"),
            models.Index(fields=["validity"], name="record_validity"),
            models.Index(fields=["disclosure_mode"], name="record_disclosure_mode"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("disclosures:record_detail", args=[self.index_number])

    def natural_key(self):
        return (self.index_number,)

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in KEYWORD_SPLIT.split(self.keywords or "") if k]

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def public_successor(self):
        """The record that replaces this one, once the public may read it: its page and the API
        link it from then on (it may be scheduled), with no save of this record."""
        successor = self.superseded_by if self.superseded_by_id else None
        return successor if successor is not None and successor.is_public else None

    @property
    def public_interpreted(self):
        """The document this 解读 interprets, once the public may read it (it may be scheduled)."""
        document = self.interprets if self.interprets_id else None
        return document if document is not None and document.is_public else None

    @property
    def public_interpretations(self) -> list:
        """This document's 解读 the public may read, oldest first: prefetched by the record page
        (disclosures.selectors), read here otherwise (a preview)."""
        found = getattr(self, PUBLIC_INTERPRETATIONS, None)
        if found is None:
            found = [] if self.pk is None else list(public_interpretations_of(self.interpretations.all()))
        return [record for record in found if record.is_public]

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at and self.published_at > timezone.now()

    @property
    def review_stage(self) -> str:
        """The stage awaiting a decision ("first", "second", "final"), or "" when not under review."""
        stages = REVIEW_STAGES.get(self.review_levels, ())
        if self.status != self.Status.PENDING or not 1 <= self.review_level <= len(stages):
            return ""
        return stages[self.review_level - 1]

    @property
    def review_stage_label(self) -> str:
        return REVIEW_STAGE_LABELS.get(self.review_stage, "")

    def clean(self):
        self.document_number = normalize_document_number(self.document_number)
        errors = rich_text_errors(self, "body")
        keywords = self.keyword_list
        if len(keywords) > MAX_KEYWORDS:
            errors["keywords"] = f"关键字最多{MAX_KEYWORDS}个，当前为{len(keywords)}个。"
        if self.disclosure_mode == self.DisclosureMode.WITHHELD and not self.withheld_reason.strip():
            errors["withheld_reason"] = "不予公开的记录须说明理由。"
        if not self.publishes_content and (visible_text(self.body) or "<img" in (self.body or "")):
            errors["body"] = (
                f"公开方式为“{self.get_disclosure_mode_display()}”的信息只在目录中列出，不在网站公开正文："
                "请把正文另行保存后清空，或把公开方式改为主动公开。"
            )
        if self.validity != self.Validity.VALID and not self.invalid_date:
            errors["invalid_date"] = "失效或废止的记录须填写失效/废止日期。"
        if self.superseded_by_id and self.superseded_by_id == self.pk:
            errors["superseded_by"] = "替代文件不能是本记录自身。"
        if message := self._interprets_error():
            errors["interprets"] = message
        if self.effective_date and self.invalid_date and self.invalid_date < self.effective_date:
            errors["invalid_date"] = "失效/废止日期不能早于生效日期。"
        if message := record_date_error("成文日期", self.written_date):
            errors["written_date"] = message
        if message := record_date_error("发布日期", self._published_day()):
            errors["published_at"] = message
        if self.status == self.Status.PUBLISHED:
            for name, message in alt_text_errors(self, "body", names=self.image_names).items():
                errors.setdefault(name, message)
        if errors:
            raise ValidationError(errors)

    def _interprets_error(self) -> str | None:
        """Why `interprets` cannot stand: this record itself, or a chain of 解读 leading back
        to it (one query a step, and chains are a step or two long)."""
        if not self.interprets_id:
            return None
        if self.interprets_id == self.pk:
            return "解读对象不能是本记录自身。"
        if self.pk is None:
            return None  # nothing interprets a record not yet saved
        seen, current = {self.interprets_id}, self.interprets_id
        for _ in range(INTERPRETATION_CHAIN_LIMIT):
            current = type(self).objects.filter(pk=current).values_list("interprets_id", flat=True).first()
            if current is None or current in seen:
                return None
            if current == self.pk:
                return "解读对象不能是本记录的解读（或其解读的解读）：两者会互为解读。"
            seen.add(current)
        return None

    @property
    def publishes_content(self) -> bool:
        """Only 主动公开 information is published with its text and files; 依申请公开 and 不予公开
        entries list their particulars in the catalogue (its body and attachments are refused)."""
        return self.disclosure_mode == self.DisclosureMode.PROACTIVE

    @property
    def public_body(self) -> str:
        """The body as the public outputs (page, API, feeds, search) give it: none but a
        主动公开 record's, should an older one still hold text."""
        return self.body if self.publishes_content else ""

    def _published_day(self) -> dt.date | None:
        return None if self.published_at is None else local_day(self.published_at)

    def history_beside(self, since) -> list[str]:
        """What changed since `since` (a history date) in what the record's form also edits,
        its attachments: named when a save from an older page is refused (core.concurrency)."""
        kinds = {"+": "新增", "~": "修改", "-": "删除"}
        rows = Attachment.history.filter(record_id=self.pk, history_date__gt=since).order_by("history_id")
        return [f"附件“{row.title}”（{kinds.get(row.history_type, '修改')}）" for row in rows]

    def image_names(self) -> dict[str, str]:
        """What staff call the body's images: {attachment URL: attachment title}."""
        if self.pk is None:
            return {}
        return {attachment.get_absolute_url(): attachment.title for attachment in self.attachments.all()}

    def save(self, *args, **kwargs):
        # Invariants that must hold however the row is written (admin, service, shell):
        # sanitized body, normalized 文号, and a 索引号 that never changes once set.
        self.body = sanitize_html(self.body)
        self.document_number = normalize_document_number(self.document_number)
        self.keywords = "、".join(self.keyword_list)
        if self.pk and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("index_number", flat=True).first()
            if stored and stored != self.index_number:
                self.index_number = stored
        super().save(*args, **kwargs)


class ReviewStep(models.Model):
    """One step of a record's review trail: submitted, approved at a level, or returned with a
    comment. Written only by the review services (disclosures.services), never edited."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提交审核"
        APPROVE = "approve", "审核通过"
        RETURN = "return", "退回修改"

    record = models.ForeignKey(
        DisclosureRecord, verbose_name="记录", on_delete=models.CASCADE, related_name="review_steps"
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    level = models.PositiveSmallIntegerField("审核级别", default=0, help_text="提交时为 0。")
    levels = models.PositiveSmallIntegerField("审核级数")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept when the account is deleted: the trail must still say who decided.
    actor_name = models.CharField("操作人姓名", max_length=150)
    comment = models.TextField("意见", blank=True)
    # The history row of the record as it stood when this step was taken (the version decided on).
    version = models.BigIntegerField("版本", null=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "审核记录"
        ordering = ["at", "pk"]

    def __str__(self):
        if self.action == self.Action.APPROVE:
            return f"{self.stage_label}通过"
        if self.action == self.Action.RETURN:
            return f"{self.stage_label}退回修改"
        return self.get_action_display()

    @property
    def stage_label(self) -> str:
        stages = REVIEW_STAGES.get(self.levels, ())
        return REVIEW_STAGE_LABELS[stages[self.level - 1]] if 1 <= self.level <= len(stages) else ""


def attachment_upload_to(instance, filename):
    # An unguessable name: files are served only through the access check of
    # disclosures.views.attachment_download, and the name must not hint at the content.
    return f"attachments/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()}"


def validate_attachment(file):
    ext = os.path.splitext(file.name)[1].lower().lstrip(".")
    # Before the list of allowed types, so that staff read why a .docm is refused and what to do.
    if problem := macro_name_problem(file.name):
        raise ValidationError(problem, code="attachment_macros")
    allowed = settings.DISCLOSURE_ATTACHMENT_EXTENSIONS
    if ext not in allowed:
        raise ValidationError(f"不支持的附件类型 .{ext}；允许：{'、'.join(allowed)}。", code="attachment_type")
    limit = settings.DISCLOSURE_ATTACHMENT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"附件过大（{file.size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。", code="attachment_size"
        )
    # A new upload only: a stored file was checked when it came in.
    if not getattr(file, "_committed", True) or hasattr(file, "content_type"):
        problem = content_problem(file, ext)
        if problem:
            raise ValidationError(problem, code="attachment_content")


class Attachment(models.Model):
    record = models.ForeignKey(
        DisclosureRecord, verbose_name="所属记录", on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField("附件名称", max_length=200)
    file = models.FileField("文件", upload_to=attachment_upload_to, validators=[validate_attachment])
    size = models.PositiveBigIntegerField("大小（字节）", default=0, editable=False)
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    def clean(self):
        record = self.record if self.record_id or "record" in self._state.fields_cache else None
        if record is not None and not record.publishes_content:
            raise ValidationError(
                f"公开方式为“{record.get_disclosure_mode_display()}”的信息不在网站公开附件：请删除附件，或把公开方式改为主动公开。"
            )

    @property
    def extension(self):
        return os.path.splitext(self.file.name)[1].lstrip(".").upper()

    def get_absolute_url(self):
        return reverse("disclosures:attachment", args=[self.pk])

    @property
    def download_name(self) -> str:
        """What the reader's browser saves: the title staff gave, with the file's extension."""
        extension = os.path.splitext(self.file.name)[1].lower()
        return self.title if self.title.lower().endswith(extension) else f"{self.title}{extension}"

    def save(self, *args, **kwargs):
        if self.file:
            self.size = self.file.size or 0
        super().save(*args, **kwargs)


class IndexSerial(models.Model):
    """The last serial handed out per 索引号 prefix; a row lock makes allocation safe."""

    prefix = models.CharField(max_length=64, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "索引号流水"

    def __str__(self):
        return f"{self.prefix} → {self.last_value}"


class Page(Vocabulary):
    """Staff-editable fixed pages: 政府信息公开指南, 政府信息公开制度."""

    natural_key_field = "slug"

    slug = models.SlugField("标识", unique=True)
    title = models.CharField("标题", max_length=200)
    body = RichTextField("正文", blank=True)
    office = models.ForeignKey(
        Organization,
        verbose_name="政府信息公开工作机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="指南中列出其名称、地址、办公时间、电话、传真和互联网联系方式。",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "公开指南与制度页面"

    def __str__(self):
        return self.title

    def clean(self):
        # Shown to the public as soon as it is saved: every image needs its alt text now.
        errors = alt_text_errors(self, "body") | rich_text_errors(self, "body")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)


# A record's attachments deleted with it (by the cascade) are marked so, in their history, so a
# restore brings back those and not the ones staff had deleted before.
DELETED_WITH_RECORD = "随记录删除"
_records_being_deleted = contextvars.ContextVar("records_being_deleted", default=frozenset())


@receiver(pre_delete, sender=DisclosureRecord)
def _record_deleting(sender, instance, **kwargs):
    _records_being_deleted.set(_records_being_deleted.get() | {instance.pk})


@receiver(post_delete, sender=DisclosureRecord)
def _record_deleted(sender, instance, **kwargs):
    _records_being_deleted.set(_records_being_deleted.get() - {instance.pk})


@receiver(pre_create_historical_record, sender=Attachment.history.model)
def _mark_attachment_deleted_with_record(sender, history_instance, **kwargs):
    if history_instance.history_type == "-" and history_instance.record_id in _records_being_deleted.get():
        history_instance.history_change_reason = DELETED_WITH_RECORD
