"""建议提案办理: assemblies, sessions, members, proposals, replies and members' feedback.

The field set follows the UK Written Questions model (peers.md) mapped onto the Chinese
handling workflow (cn-standards.md §3). This app builds on `disclosures`; a published
reply *is* a DisclosureRecord, so it also appears in the 政府信息公开目录."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.masking import mask
from core.vocabulary import Vocabulary
from disclosures.editor import RichTextField
from disclosures.models import DisclosureRecord, Organization, withdrawn_after_public_q
from disclosures.sanitize import alt_text_errors, rich_text_errors, sanitize_html

from .deadlines import deadline_outcome, handling_due, rehandling_due
from .numerals import chinese_number

NUMBER_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z-]{0,19}$"
number_validator = RegexValidator(NUMBER_PATTERN, "编号只能包含数字、字母和连字符，最多20位，例如 102114。")
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")
CONTACT_WITHHELD = "（不公开）"


def normalize_proposal_number(value: str) -> str:
    """'第１０２１１４号' → '102114': what people type when they copy a number from a letter."""
    value = (value or "").translate(FULLWIDTH_DIGITS).strip()
    return re.sub(r"^第\s*|\s*号$", "", value).strip()


class Assembly(Vocabulary):
    """人大 or 政协 of a place: the body whose members file proposals."""

    class Kind(models.TextChoices):
        NPC = "npc", "人大"
        CPPCC = "cppcc", "政协"

    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    place = models.CharField("地区", max_length=100, help_text="如 昆明市官渡区")
    name = models.CharField("名称", max_length=100, unique=True, help_text="用于标题，如 政协官渡区")
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "人大/政协"
        ordering = ["position", "name"]

    @property
    def member_title(self) -> str:
        return "委员" if self.kind == self.Kind.CPPCC else "代表"

    @property
    def allowed_kinds(self) -> list[str]:
        if self.kind == self.Kind.CPPCC:
            return [Proposal.Kind.PROPOSAL]
        return [Proposal.Kind.SUGGESTION, Proposal.Kind.MOTION]


class SessionManager(models.Manager):
    def get_by_natural_key(self, assembly, term, number):
        return self.get(assembly__name=assembly, term=term, number=number)


class Session(models.Model):
    """届次: e.g. 政协官渡区十届二次会议."""

    assembly = models.ForeignKey(Assembly, verbose_name="人大/政协", on_delete=models.PROTECT, related_name="sessions")
    term = models.PositiveSmallIntegerField("届", validators=[MinValueValidator(1)])
    number = models.PositiveSmallIntegerField("次", validators=[MinValueValidator(1)])
    name = models.CharField("会议名称", max_length=50, blank=True, help_text="留空则自动生成，如 十届二次会议")
    year = models.PositiveSmallIntegerField(
        "年度",
        validators=[MinValueValidator(1949), MaxValueValidator(2100)],
        help_text="会议召开的年份，用于按年度筛选。",
    )
    opens_on = models.DateField("开幕日期", null=True, blank=True)
    closes_on = models.DateField("闭幕日期", null=True, blank=True)
    history = HistoricalRecords()

    objects = SessionManager()

    class Meta:
        verbose_name = verbose_name_plural = "届次会议"
        ordering = ["-year", "-term", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "term", "number"], name="session_unique_per_assembly"),
        ]

    def __str__(self):
        return self.full_name

    def natural_key(self):
        return (self.assembly.name, self.term, self.number)

    natural_key.dependencies = ["proposals.assembly"]

    def get_absolute_url(self):
        return reverse("proposals:session_statistics", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.assembly.name}{self.name}"

    def clean(self):
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "闭幕日期不能早于开幕日期。"})

    def save(self, *args, **kwargs):
        if not self.name:
            self.name = f"{chinese_number(self.term)}届{chinese_number(self.number)}次会议"
        super().save(*args, **kwargs)


class MemberManager(models.Manager):
    def get_by_natural_key(self, assembly, name, sector):
        return self.get(assembly__name=assembly, name=name, sector=sector)


class Member(models.Model):
    """委员/代表. Contact details are for staff only: no public template may show them
    (国办发〔2014〕46号 excludes members' 联系方式 from publication)."""

    assembly = models.ForeignKey(Assembly, verbose_name="人大/政协", on_delete=models.PROTECT, related_name="members")
    name = models.CharField("姓名", max_length=50)
    sector = models.CharField("界别/代表团", max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal_member",
        # A staff account reaches every letter its agencies hold: never also a member's.
        limit_choices_to={"is_staff": False},
        help_text="由区级工作人员创建并关联（不得是工作人员账号），用于代表委员登录查看答复、填写满意度。",
    )
    phone = models.CharField("联系电话（不公开）", max_length=50, blank=True)
    email = models.EmailField("电子邮箱（不公开）", blank=True)
    address = models.CharField("通讯地址（不公开）", max_length=200, blank=True)
    is_active = models.BooleanField("在任", default=True)
    history = HistoricalRecords()

    objects = MemberManager()

    class Meta:
        verbose_name = verbose_name_plural = "代表委员"
        ordering = ["assembly", "name"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "name", "sector"], name="member_unique_in_assembly"),
        ]

    def __str__(self):
        return f"{self.name}{self.assembly.member_title}" if self.assembly_id else self.name

    def natural_key(self):
        return (self.assembly.name, self.name, self.sector)

    natural_key.dependencies = ["proposals.assembly"]

    def get_absolute_url(self):
        return reverse("proposals:member", args=[self.pk])

    # What staff outside a member's contacts scope see (proposals.selectors.can_see_member_contacts):
    # a phone's ends tell two members apart; an email's domain or any part of an address could
    # identify the person, so those say only that something is stored.
    @property
    def masked_phone(self) -> str:
        # The first 3 kept only with 4 hidden after them (139****5678): of a local 8-digit
        # number they would leave one digit to guess.
        return mask(self.phone, 3 if len(self.phone) >= 11 else 0, 4)

    @property
    def masked_email(self) -> str:
        return CONTACT_WITHHELD if self.email else ""

    @property
    def masked_address(self) -> str:
        return CONTACT_WITHHELD if self.address else ""


class ReplyCategory(Vocabulary):
    """办理结果分类 A/B/C(/D). Definitions vary by locality, so they are rows staff edit;
    the Kunming CPPCC definitions ship as defaults (migration 0002)."""

    natural_key_field = "code"

    code = models.CharField(
        "代码", max_length=2, unique=True, validators=[RegexValidator(r"^[A-Z]$", "代码为一个大写字母，如 A。")]
    )
    label = models.CharField("含义", max_length=100)
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "办理结果分类"
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.code}类（{self.label}）"


class SatisfactionLevel(Vocabulary):
    """征询意见表 scale; configurable because some units use 非常满意/满意 instead."""

    natural_key_field = "code"

    code = models.SlugField("代码", max_length=20, unique=True)
    label = models.CharField("名称", max_length=20)
    position = models.PositiveIntegerField("排序", default=0)
    counts_as_satisfied = models.BooleanField("计入满意率", default=True)
    requires_rehandling = models.BooleanField(
        "需重新办理", default=False, help_text="选择此项的反馈使提案转为“重新办理”，一个月内重新答复。"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "满意度选项"
        ordering = ["position", "code"]

    def __str__(self):
        return self.label


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Proposal.Status.ANSWERED)

    def overdue(self, today=None):
        """Still waiting for a (re-)reply after the current due date."""
        today = today or timezone.localdate()
        return self.filter(
            Q(status__in=[Proposal.Status.ASSIGNED, Proposal.Status.HANDLING], due_on__lt=today)
            | Q(status=Proposal.Status.REHANDLING, rehandling_due_on__lt=today)
        )

    def for_listing(self):
        """Everything a list row shows, in a fixed number of queries however long the list."""
        return self.select_related("session__assembly", "lead_member__assembly", "lead_unit").prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.public()
                .select_related("category", "answering_unit", "record")
                .order_by("replied_on", "id"),
                to_attr="public_replies",
            )
        )


class ProposalManager(models.Manager.from_queryset(ProposalQuerySet)):
    def get_by_natural_key(self, assembly, term, session_number, number):
        return self.get(
            session__assembly__name=assembly, session__term=term, session__number=session_number, number=number
        )


class Proposal(models.Model):
    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "提案"
        SUGGESTION = "suggestion", "建议"
        MOTION = "motion", "议案"

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "交办"
        HANDLING = "handling", "办理中"
        ANSWERED = "answered", "已答复"
        REHANDLING = "rehandling", "重新办理"

    session = models.ForeignKey(Session, verbose_name="届次会议", on_delete=models.PROTECT, related_name="proposals")
    number = models.CharField("编号", max_length=20, validators=[number_validator], help_text="届次内唯一，如 102114")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.PROPOSAL)
    title = models.CharField("标题", max_length=300)
    lead_member = models.ForeignKey(
        Member, verbose_name="领衔人（提案人）", on_delete=models.PROTECT, related_name="lead_proposals"
    )
    co_proposers = models.ManyToManyField(Member, verbose_name="联名/附议人", blank=True, related_name="co_proposals")
    filed_on = models.DateField("提出日期", null=True, blank=True)
    assigned_on = models.DateField("交办日期", null=True, blank=True, help_text="办理期限自交办之日起计算。")
    lead_unit = models.ForeignKey(
        Organization,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_proposals",
    )
    assisting_units = models.ManyToManyField(
        Organization, verbose_name="会办单位", blank=True, related_name="assisting_proposals"
    )
    is_key = models.BooleanField("重点提案/建议", default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并案至",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
        help_text="并案办理时选择主件；答复见主件。",
    )
    status = models.CharField("办理状态", max_length=12, choices=Status.choices, default=Status.ASSIGNED, db_index=True)
    extended = models.BooleanField("延期办理", default=False, help_text="经交办机构同意，办理期限延长至六个月。")
    extension_reason = models.TextField("延期理由", blank=True)
    due_on = models.DateField("办理期限", null=True, blank=True, editable=False)
    rehandling_started_on = models.DateField("重新办理开始日期", null=True, blank=True)
    rehandling_due_on = models.DateField("重新办理期限", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(m2m_fields=["co_proposers", "assisting_units"])

    objects = ProposalManager()

    class Meta:
        verbose_name = verbose_name_plural = "建议提案"
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="proposal_number_unique_in_session"),
            models.CheckConstraint(
                condition=Q(extended=False) | ~Q(extension_reason=""), name="proposal_extension_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="proposal_status_due"),
            models.Index(fields=["lead_unit", "session"], name="proposal_unit_session"),
            # The replies changelist finds a 提案号 without knowing its session.
            models.Index(fields=["number"], name="proposal_number"),
        ]

    def __str__(self):
        return f"{self.reference}：{self.title}"

    def natural_key(self):
        return self.session.natural_key() + (self.number,)

    natural_key.dependencies = ["proposals.session"]

    def get_absolute_url(self):
        return reverse("proposals:detail", args=[self.session_id, self.number])

    @property
    def reference(self) -> str:
        """政协官渡区十届二次会议第102114号提案"""
        return f"{self.session.full_name}第{self.number}号{self.get_kind_display()}"

    @property
    def current_due_on(self):
        if self.status == self.Status.REHANDLING:
            return self.rehandling_due_on
        return self.due_on

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        due = self.current_due_on
        return self.status != self.Status.ANSWERED and due is not None and today > due

    def deadline_outcome(self, *, first_reply_on=None, today=None) -> str:
        """Whether the handling deadline was met, in words, from the first reply the viewer may see."""
        if self.due_on is None:
            return "交办日期未录入，无法计算办理期限"
        answered = self.status in (self.Status.ANSWERED, self.Status.REHANDLING)
        return deadline_outcome(self.due_on, replied_on=first_reply_on, answered=answered, today=today)

    def rehandling_outcome(self, *, reply_on=None, today=None) -> str:
        if self.rehandling_due_on is None:
            return ""
        answered = self.status == self.Status.ANSWERED
        return deadline_outcome(self.rehandling_due_on, replied_on=reply_on, answered=answered, today=today)

    def clean(self):
        self.number = normalize_proposal_number(self.number)
        errors = {}
        if self.extended and not self.extension_reason.strip():
            errors["extension_reason"] = "延期办理须记录理由（经交办机构同意）。"
        if self.session_id and self.lead_member_id and self.lead_member.assembly_id != self.session.assembly_id:
            errors["lead_member"] = "领衔人须为本届次所属人大/政协的代表委员。"
        if self.session_id and self.kind not in self.session.assembly.allowed_kinds:
            allowed = "、".join(self.Kind(k).label for k in self.session.assembly.allowed_kinds)
            errors["kind"] = f"{self.session.assembly.get_kind_display()}的件只能是：{allowed}。"
        if self.merged_into_id:
            if self.merged_into_id == self.pk:
                errors["merged_into"] = "不能并案至本件自身。"
            elif self.session_id and self.merged_into.session_id != self.session_id:
                errors["merged_into"] = "只能与同一届次会议的件并案。"
        if self.status == self.Status.REHANDLING and not self.rehandling_started_on:
            errors["rehandling_started_on"] = "重新办理须填写开始日期（通常为收到不满意反馈之日）。"
        if self.filed_on and self.assigned_on and self.assigned_on < self.filed_on:
            errors["assigned_on"] = "交办日期不能早于提出日期。"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Deadlines are derived, never typed: every write path gets the same arithmetic.
        self.number = normalize_proposal_number(self.number)
        self.due_on = handling_due(self.assigned_on, extended=self.extended)
        self.rehandling_due_on = rehandling_due(self.rehandling_started_on) if self.rehandling_started_on else None
        super().save(*args, **kwargs)


class ReplyQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(status=Reply.Status.SENT)

    def public(self, at=None):
        """Published replies. Full and summary replies are public exactly while their disclosure
        record is (so withdrawing the record in the catalogue hides the reply too)."""
        now = at or timezone.now()
        return self.filter(status=Reply.Status.SENT, published_at__lte=now).filter(
            Q(publication_mode=Reply.PublicationMode.WITHHELD)
            | Q(record__status=DisclosureRecord.Status.PUBLISHED, record__published_at__lte=now)
        )

    def withdrawn(self):
        """Replies that left the public with their record (withdrawn in the catalogue after it
        was public): the record's last save is when."""
        return (
            self.filter(status=Reply.Status.SENT)
            .filter(withdrawn_after_public_q("record__"))
            .exclude(publication_mode=Reply.PublicationMode.WITHHELD)
        )


class ReplyManager(models.Manager.from_queryset(ReplyQuerySet)):
    def get_by_natural_key(self, assembly, term, session_number, number, unit, replied_on):
        return self.get(
            proposal=Proposal.objects.get_by_natural_key(assembly, term, session_number, number),
            answering_unit__name=unit,
            replied_on=replied_on,
        )


class Reply(models.Model):
    """答复: the letter the handling unit sends to the member, and how it is published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SENT = "sent", "已答复（已送达）"

    class PublicationMode(models.TextChoices):
        FULL = "full", "全文公开"
        SUMMARY = "summary", "摘要公开"
        WITHHELD = "withheld", "不公开"

    proposal = models.ForeignKey(Proposal, verbose_name="建议提案", on_delete=models.PROTECT, related_name="replies")
    answering_unit = models.ForeignKey(
        Organization, verbose_name="答复单位", on_delete=models.PROTECT, related_name="proposal_replies"
    )
    letter = RichTextField("答复全文", blank=True, help_text="保存时自动清除脚本、事件属性和 javascript: 链接。")
    summary = RichTextField("答复摘要", blank=True, help_text="摘要公开时公开此内容。")
    replied_on = models.DateField("答复日期（成文日期）", null=True, blank=True)
    category = models.ForeignKey(
        ReplyCategory,
        verbose_name="办理结果分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
    )
    publication_mode = models.CharField(
        "公开方式", max_length=10, choices=PublicationMode.choices, default=PublicationMode.FULL
    )
    mode_reason = models.TextField("摘要公开或不公开的理由", blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True, help_text="承办单位经办人员，随答复公开。")
    contact_phone = models.CharField("办公电话", max_length=50, blank=True, help_text="承办单位办公电话，随答复公开。")
    is_rehandling = models.BooleanField("重新办理的答复", default=False)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField("公开日期", null=True, blank=True, editable=False)
    record = models.OneToOneField(
        DisclosureRecord,
        verbose_name="政府信息公开记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal_reply",
        editable=False,
    )
    # Deleting the record clears `record` (SET_NULL), and with it what dated the reply's leaving
    # (its record's withdrawal, or the reply's being public): kept here for the sitemaps and the
    # reply feed, whose dates would otherwise go back (services.record_deleting).
    record_removed_at = models.DateTimeField("随目录记录撤下时间", null=True, blank=True, editable=False)
    original_letter = models.TextField("更正前原文", blank=True, editable=False)
    corrected_at = models.DateTimeField("更正时间", null=True, blank=True, editable=False)
    correction_note = models.TextField("更正说明", blank=True)
    original_withheld = models.BooleanField(
        "不公开更正前原文",
        default=False,
        help_text="更正是为了删去个人信息等不应公开的内容时勾选：更正前原文仍保存备查，但不在网站上显示。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    objects = ReplyManager()

    class Meta:
        verbose_name = verbose_name_plural = "答复"
        ordering = ["proposal", "replied_on", "id"]
        permissions = [("publish_reply", "可以发送、公开答复")]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "answering_unit", "replied_on"], name="reply_unique_per_unit_and_date"
            ),
            models.CheckConstraint(
                condition=Q(publication_mode="full") | ~Q(mode_reason=""), name="reply_restricted_mode_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["-replied_on", "-id"], name="reply_admin_order")]

    def __str__(self):
        return f"{self.proposal.reference}的答复（{self.answering_unit}）"

    def natural_key(self):
        return self.proposal.natural_key() + (
            self.answering_unit.name,
            self.replied_on.isoformat() if self.replied_on else None,
        )

    natural_key.dependencies = ["proposals.proposal", "disclosures.organization"]

    @property
    def is_public(self) -> bool:
        if self.status != self.Status.SENT or not self.published_at or self.published_at > timezone.now():
            return False
        return self.publication_mode == self.PublicationMode.WITHHELD or bool(self.record and self.record.is_public)

    @property
    def public_text(self) -> str:
        """What the public may read: the letter, the summary, or nothing."""
        if self.publication_mode == self.PublicationMode.FULL:
            return self.letter
        if self.publication_mode == self.PublicationMode.SUMMARY:
            return self.summary
        return ""

    @property
    def record_title(self) -> str:
        """关于政协官渡区十届二次会议第102114号提案答复的函 (the seed's title pattern)."""
        proposal = self.proposal
        return f"关于{proposal.session.full_name}第{proposal.number}号{proposal.get_kind_display()}答复的函"

    def clean(self):
        errors = rich_text_errors(self, "letter", "summary")  # original_letter is a copy of a checked letter
        if self.status == self.Status.SENT:  # what is published; a draft may wait for its alt texts
            for name, message in alt_text_errors(self, "letter", "summary").items():
                errors.setdefault(name, message)
        if self.publication_mode != self.PublicationMode.FULL and not self.mode_reason.strip():
            errors["mode_reason"] = f"{self.get_publication_mode_display()}须说明理由。"
        if self.publication_mode == self.PublicationMode.SUMMARY and not sanitize_html(self.summary).strip():
            errors.setdefault("summary", "摘要公开须填写答复摘要。")
        if (
            self.replied_on
            and self.proposal_id
            and self.proposal.assigned_on
            and self.replied_on < self.proposal.assigned_on
        ):
            errors["replied_on"] = "答复日期不能早于交办日期。"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.letter = sanitize_html(self.letter)
        self.summary = sanitize_html(self.summary)
        self.original_letter = sanitize_html(self.original_letter)
        super().save(*args, **kwargs)


class Feedback(models.Model):
    """The member's 征询意见表 for one reply: once per reply, editable until staff close it."""

    reply = models.ForeignKey(Reply, verbose_name="答复", on_delete=models.PROTECT, related_name="feedback")
    member = models.ForeignKey(Member, verbose_name="代表委员", on_delete=models.PROTECT, related_name="feedback")
    level = models.ForeignKey(
        SatisfactionLevel, verbose_name="满意度", on_delete=models.PROTECT, related_name="feedback"
    )
    comment = models.TextField("意见", blank=True, max_length=2000)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    closed_at = models.DateTimeField(
        "确认时间", null=True, blank=True, help_text="工作人员确认后，代表委员不能再修改。"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "满意度反馈"
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["reply", "member"], name="feedback_once_per_reply")]

    def __str__(self):
        return f"{self.member.name}：{self.level}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None
