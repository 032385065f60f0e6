"""依申请公开 cases. The state machine lives here (TRANSITIONS); services.py performs each
transition. Deadlines are derived (clock.py) and stored with their inputs."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.masking import mask, mask_name
from disclosures.models import Organization, validate_attachment

from .crypto import EncryptedTextField, digest
from .identity import phone_digits


class AgencyManager(models.Manager):
    def get_by_natural_key(self, organization_name):
        return self.get(organization__name=organization_name)


class Agency(models.Model):
    """An Organization that takes 依申请公开 requests (listed on the application form)."""

    organization = models.OneToOneField(
        Organization, verbose_name="机构", on_delete=models.PROTECT, related_name="request_desk"
    )
    accepts_requests = models.BooleanField("受理申请", default=True)
    contact = models.CharField("受理机构联系方式", max_length=200, blank=True)
    # Named in every 答复告知书's statement of rights. Since the 行政复议法 of 2023 (in force 2024)
    # a district department's 复议机关 is the district government, not "上一级行政机关".
    reconsideration_body = models.CharField(
        "行政复议机关",
        max_length=100,
        blank=True,
        help_text="答复告知书中告知的行政复议机关，如区政府部门填“昆明市官渡区人民政府”，区人民政府填“昆明市人民政府”。"
        "不填时告知书只写“依法申请行政复议”。请法制机构核定。",
    )
    history = HistoricalRecords()

    # Named by its organization in the seed (fixtures/040_inforequests.json), so load_seed finds
    # a desk the demo data or staff already made instead of adding a second one.
    objects = AgencyManager()

    class Meta:
        verbose_name = verbose_name_plural = "受理机关"
        ordering = ["organization__name"]

    def __str__(self):
        return self.organization.name

    def natural_key(self):
        return self.organization.natural_key()

    natural_key.dependencies = ["disclosures.organization"]


class Outcome(models.TextChoices):
    """The 21 leaf rows of 年报 table 三's 办理结果 (国办公开办函〔2021〕30号): 1 + 1 + 8 + 3 + 5 + 3;
    with the four group headings (不予公开, 无法提供, 不予处理, 其他处理) the part has 25 rows."""

    GRANTED = "granted", "予以公开"
    PARTIAL = "partial", "部分公开"
    DENIED_SECRET = "denied_secret", "不予公开：属于国家秘密"
    DENIED_LAW = "denied_law", "不予公开：其他法律行政法规禁止公开"
    DENIED_SAFETY = "denied_safety", "不予公开：危及“三安全一稳定”"
    DENIED_THIRD_PARTY = "denied_third_party", "不予公开：保护第三方合法权益"
    DENIED_INTERNAL = "denied_internal", "不予公开：属于三类内部事务信息"
    DENIED_PROCESS = "denied_process", "不予公开：属于四类过程性信息"
    DENIED_ENFORCEMENT = "denied_enforcement", "不予公开：属于行政执法案卷"
    DENIED_QUERY = "denied_query", "不予公开：属于行政查询事项"
    UNABLE_NOT_HELD = "unable_not_held", "无法提供：本机关不掌握相关政府信息"
    UNABLE_NEEDS_MAKING = "unable_needs_making", "无法提供：没有现成信息需要另行制作"
    UNABLE_UNCLEAR = "unable_unclear", "无法提供：补正后申请内容仍不明确"
    NOT_PROCESSED_PETITION = "np_petition", "不予处理：信访举报投诉类申请"
    NOT_PROCESSED_REPEAT = "np_repeat", "不予处理：重复申请"
    NOT_PROCESSED_PUBLICATION = "np_publication", "不予处理：要求提供公开出版物"
    NOT_PROCESSED_EXCESSIVE = "np_excessive", "不予处理：无正当理由大量反复申请"
    NOT_PROCESSED_CONFIRM = "np_confirm", "不予处理：要求行政机关确认或重新出具已获取信息"
    OTHER_NO_CORRECTION = (
        "other_no_correction",
        "其他处理：申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    )
    OTHER_UNPAID = "other_unpaid", "其他处理：申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    OTHER = "other", "其他处理：其他"

    @classmethod
    def group(cls, value):
        """The 年报 row group: 予以公开 / 部分公开 / 不予公开 / 无法提供 / 不予处理 / 其他处理."""
        return cls(value).label.split("：")[0]


# The outcomes a case lapses with (the reminder command closes it so): never an answer given.
LAPSE_OUTCOMES = (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_UNPAID)

# The issue lists the leaves as 2 + 8 + 3 + 5 + 3: 21 outcomes (table 三's other rows are
# counts: 新收, 结转, 总计).


# What a 告知书 may say in braces (notices.render fills them; any other text in braces stays as typed).
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = (
    "name",
    "number",
    "agency",
    "received_on",
    "title",
    "reply",
    "due",
    "amount",
    "days",
    "reason",
    "party",
)


class NoticeTemplate(models.Model):
    """告知书 text per outcome (or per notice kind), staff-editable. The 行政复议/行政诉讼 rights
    are appended on rendering, so no edit can drop them."""

    key = models.CharField("用途", max_length=40, unique=True)
    title = models.CharField("标题", max_length=100)
    body = models.TextField(
        "正文",
        help_text="可用占位：{number} {agency} {received_on} {title} {reply} {due} {amount} {days} {reason} {party}（第三方）",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "告知书模板"
        ordering = ["key"]

    def __str__(self):
        return self.title

    def clean(self):
        unknown = sorted({name for name in PLACEHOLDER.findall(self.body or "") if name not in PLACEHOLDERS})
        if unknown:
            names = "、".join("{" + name + "}" for name in unknown)
            raise ValidationError({"body": f"没有这样的占位：{names}。可用的占位见下方说明。"})


def applicant_key(id_number: str) -> str:
    """The keyed digest that matches one applicant's cases (the monthly fee count, staff search)."""
    return digest(id_number, "applicant")


def phone_key(phone: str) -> str:
    """The keyed digest staff search a phone number by ("" for none)."""
    digits = phone_digits(phone)
    return digest(digits, "phone") if digits else ""


class CaseSerial(models.Model):
    """The last case number used per year (locked while a number is taken)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.year}: {self.last}"


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)

    def published(self):
        """Cases whose redacted request and reply are public (Case.is_published)."""
        return self.filter(published_at__isnull=False, consents_publication=True)


class Case(models.Model):
    class State(models.TextChoices):
        REGISTERED = "registered", "已登记"
        CORRECTION = "correction", "待补正"
        CONSULTATION = "consultation", "征求意见中"
        FEE = "fee", "待缴费"
        EXTENDED = "extended", "已延期"
        ANSWERED = "answered", "已答复"
        ARCHIVED = "archived", "已归档"
        # Ordered (行政复议/行政诉讼) or decided (自行纠错) to answer again: open, on the new
        # clock of its Reanswer; the earlier answer stays as it was (table 三 counts it).
        REANSWERING = "reanswering", "重新答复中"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请"
        IN_PERSON = "in_person", "当面提交"
        POST = "post", "信函"
        FAX = "fax", "传真"
        EMAIL = "email", "电子邮件"

    class ApplicantType(models.TextChoices):
        PERSON = "person", "自然人"
        COMMERCIAL = "commercial", "法人或其他组织：商业企业"
        RESEARCH = "research", "法人或其他组织：科研机构"
        SOCIAL = "social", "法人或其他组织：社会公益组织"
        LEGAL = "legal", "法人或其他组织：法律服务机构"
        OTHER_ORG = "other_org", "法人或其他组织：其他"

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", "居民身份证"
        CREDIT_CODE = "credit_code", "统一社会信用代码"
        PASSPORT = "passport", "护照"
        OTHER = "other", "其他有效身份证件"

    class Delivery(models.TextChoices):
        PAPER = "paper", "纸质"
        ELECTRONIC = "electronic", "电子数据"
        POST = "post", "邮寄"
        PICKUP = "pickup", "当面领取"
        EMAIL = "email", "电子邮件"

    CLOSED_STATES = (State.ANSWERED, State.ARCHIVED)
    PAUSED_STATES = (State.CORRECTION, State.CONSULTATION, State.FEE)

    number = models.CharField("申请编号", max_length=40, unique=True)
    query_code_digest = models.CharField("查询码摘要", max_length=64, unique=True, editable=False)
    agency = models.ForeignKey(
        Organization, verbose_name="受理机关", on_delete=models.PROTECT, related_name="info_requests"
    )
    channel = models.CharField("申请渠道", max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    received_on = models.DateField(
        "收到申请日期", help_text="条例第31条：当面提交为提交之日；邮寄为签收之日；网上、传真为双方确认之日。"
    )
    confirmed_at = models.DateTimeField("网上申请确认时间", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REGISTERED, db_index=True)
    # Derived from `state` (clean/save): the queue's partial indexes cover open cases only, so
    # they come off one index range instead of a NOT IN over every case.
    is_open = models.BooleanField("未办结", default=True, editable=False)
    is_demo = models.BooleanField("演示数据", default=False)

    applicant_type = models.CharField("申请人类型", max_length=20, choices=ApplicantType.choices)
    name = EncryptedTextField("申请人姓名/名称")
    id_type = models.CharField("证件类型", max_length=20, choices=IdType.choices)
    id_number = EncryptedTextField("证件号码")
    phone = EncryptedTextField("联系电话")
    address = EncryptedTextField("通信地址")
    email = EncryptedTextField("电子邮箱", blank=True)
    applicant_key = models.CharField("申请人摘要", max_length=64, db_index=True, editable=False)
    # Staff find a case by the phone number an applicant reads out (the number is encrypted).
    phone_key = models.CharField("联系电话摘要", max_length=64, db_index=True, editable=False, blank=True)
    contact_person = EncryptedTextField("联系人", blank=True)
    # The day the particulars above were erased, their retention period over (retention.py).
    particulars_erased_on = models.DateField("申请人信息删除日期", null=True, blank=True, editable=False)

    title = models.CharField("所需信息名称", max_length=300)
    document_number = models.CharField("文号", max_length=100, blank=True)
    description = models.TextField("所需信息的特征描述")
    delivery = models.CharField("获取方式", max_length=20, choices=Delivery.choices)
    consents_publication = models.BooleanField("同意答复内容经隐私处理后公开", default=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="重复申请（同一申请）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    # Found when the case was registered (services.case_register): the same applicant's open
    # or recently answered case asking the agency for the same information. Staff decide.
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name="可能重复的申请",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # The clock (clock.py); due_on is null while it is stopped.
    clock_start = models.DateField("计时起算日")
    extension_days = models.PositiveSmallIntegerField("延长工作日", default=0)
    extension_approver = models.CharField("延期批准负责人", max_length=100, blank=True)
    due_on = models.DateField("答复期限", null=True, blank=True)
    due_exact = models.BooleanField("期限按官方日历计算", default=True)
    due_inputs = models.JSONField("期限计算依据", default=dict, blank=True)
    waiting_until = models.DateField("等待截止日", null=True, blank=True, help_text="补正、第三方意见或缴费的期限。")

    correction_notice_on = models.DateField("补正通知日期", null=True, blank=True)
    correction_received_on = models.DateField("收到补正日期", null=True, blank=True)
    fee_amount = models.DecimalField("信息处理费（元）", max_digits=9, decimal_places=2, default=0)
    fee_notice_on = models.DateField("收费通知日期", null=True, blank=True)
    paid_on = models.DateField("缴费日期", null=True, blank=True)

    outcome = models.CharField("办理结果", max_length=30, choices=Outcome.choices, blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    reply_text = models.TextField("答复内容", blank=True)
    answer_working_days = models.PositiveSmallIntegerField("办理用时（工作日）", null=True, blank=True)
    answered_on_time = models.BooleanField("按期答复", null=True, blank=True)

    public_request_text = models.TextField("公开的申请内容（隐私处理后）", blank=True)
    public_reply_text = models.TextField("公开的答复内容（隐私处理后）", blank=True)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    promoted_record = models.ForeignKey(
        "disclosures.DisclosureRecord",
        verbose_name="转为主动公开的信息",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["query_code_digest"])

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "依申请公开申请"
        ordering = ["-received_on", "-id"]
        permissions = [("view_all_cases", "查看全区依申请公开申请")]
        indexes = [
            # Partial: the queue reads open cases only (a few percent of all) in due order.
            models.Index(fields=["due_on", "id"], condition=models.Q(is_open=True), name="inforequests_open_due"),
            models.Index(
                fields=["agency", "due_on", "id"], condition=models.Q(is_open=True), name="inforequests_open_agency_due"
            ),
            models.Index(fields=["agency", "received_on"]),
            models.Index(fields=["agency", "answer_working_days"]),
            models.Index(fields=["agency", "published_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(extension_days__lte=20), name="inforequests_extension_max_20"),
            models.CheckConstraint(
                condition=models.Q(is_open=True) & ~models.Q(state__in=["answered", "archived"])
                | models.Q(is_open=False, state__in=["answered", "archived"]),
                name="inforequests_is_open_follows_state",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["answered", "archived"]) | ~models.Q(outcome=""),
                name="inforequests_closed_has_outcome",
            ),
        ]

    def __str__(self):
        return self.number  # never the applicant: __str__ ends up in logs and admin messages

    @property
    def is_published(self) -> bool:
        """Its redacted request and reply are public: published by staff, and the applicant's
        consent still given (withdrawn later, staff untick it, and from that save the case is
        public nowhere, nor promoted or answered again in public). As Case.objects.published()."""
        return self.published_at is not None and self.consents_publication

    def get_absolute_url(self):
        return reverse("inforequests:staff_case", args=[self.pk])

    def clean(self):
        self.is_open = self.state not in self.CLOSED_STATES
        if self.state in self.CLOSED_STATES and not self.outcome:
            raise ValidationError({"outcome": "办结须选择办理结果。"})

    def save(self, *args, **kwargs):
        self.is_open = self.state not in self.CLOSED_STATES
        self.phone_key = phone_key(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "state" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_open"}
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*kwargs["update_fields"], "phone_key"}
        super().save(*args, **kwargs)

    @property
    def is_paused(self):
        return self.state in self.PAUSED_STATES

    @property
    def masked_id(self):
        return mask(self.id_number)

    @property
    def masked_phone(self):
        return mask(self.phone, 3, 4)

    @property
    def masked_name(self):
        return mask_name(self.name)

    @property
    def outcome_group(self):
        return Outcome.group(self.outcome) if self.outcome else ""


# state -> states reachable by a service; services check membership before any write.
TRANSITIONS = {
    Case.State.REGISTERED: {
        Case.State.CORRECTION,
        Case.State.CONSULTATION,
        Case.State.FEE,
        Case.State.EXTENDED,
        Case.State.ANSWERED,
    },
    Case.State.CORRECTION: {Case.State.REGISTERED, Case.State.ANSWERED},
    # ANSWERED from consultation: only a withdrawal (services.case_withdraw); a reply waits for its end.
    Case.State.CONSULTATION: {Case.State.REGISTERED, Case.State.EXTENDED, Case.State.ANSWERED},
    Case.State.FEE: {Case.State.REGISTERED, Case.State.EXTENDED, Case.State.ANSWERED},
    Case.State.EXTENDED: {Case.State.CONSULTATION, Case.State.FEE, Case.State.ANSWERED},
    Case.State.ANSWERED: {Case.State.ARCHIVED, Case.State.REANSWERING},
    # Only a 重新答复 reopens an answered or archived case (services.case_reopen_for_reanswer).
    Case.State.ARCHIVED: {Case.State.REANSWERING},
    # The new answer only (services.case_reanswer): no 补正, fee or extension on an order's clock.
    Case.State.REANSWERING: {Case.State.ANSWERED},
}


class Reanswer(models.Model):
    """重新答复: a 行政复议 decision or a court judgment orders the agency to answer again, or
    the agency corrects an answer itself. The earlier answer is never overwritten: the case's
    own outcome, date and text stay the first answer's (年报 table 三 counts the application
    once, by them), and each round keeps its order, its clock and its new answer here."""

    class Basis(models.TextChoices):
        # The first three are 年报 table 四's kinds (annualreports.tables.REVIEW_KINDS).
        RECONSIDERATION = "reconsideration", "行政复议决定责令重新答复"
        LITIGATION_DIRECT = "litigation_direct", "人民法院判决重新答复（未经复议直接起诉）"
        LITIGATION_AFTER = "litigation_after", "人民法院判决重新答复（复议后起诉）"
        SELF_CORRECTION = "self_correction", "本机关自行纠错"

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="reanswers")
    basis = models.CharField("重新答复依据", max_length=30, choices=Basis.choices)
    order_reference = models.CharField("决定书/判决书文号", max_length=100, blank=True)
    order_date = models.DateField("决定/判决日期")
    served_on = models.DateField("送达本机关日期", help_text="重新答复期限自此日起算（视同收到申请之日），20个工作日。")
    ordered_due_on = models.DateField("决定书/判决书规定的答复期限", null=True, blank=True)
    reason = models.TextField("重新答复理由")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField("登记时间", auto_now_add=True)
    # The earlier round's deadline, as the case held it before this round replaced it.
    previous_due_on = models.DateField("原答复期限", null=True, blank=True)
    due_on = models.DateField("重新答复期限", null=True, blank=True)
    due_inputs = models.JSONField("期限计算依据", default=dict, blank=True)

    outcome = models.CharField("重新答复办理结果", max_length=30, choices=Outcome.choices, blank=True)
    replied_on = models.DateField("重新答复日期", null=True, blank=True)
    reply_text = models.TextField("重新答复内容", blank=True)
    answered_on_time = models.BooleanField("按期重新答复", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A published case's page shows each round; its new answer only once staff have redacted it.
    public_text = models.TextField("公开的重新答复内容（隐私处理后）", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "重新答复"
        ordering = ["case", "opened_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(replied_on__isnull=True) | ~models.Q(outcome=""),
                name="inforequests_reanswer_has_outcome",
            ),
            # One round open at a time per case.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(replied_on__isnull=True), name="inforequests_one_open_reanswer"
            ),
        ]

    def __str__(self):
        return f"{self.case.number} {self.get_basis_display()}"

    @property
    def outcome_group(self):
        return Outcome.group(self.outcome) if self.outcome else ""


class CaseItem(models.Model):
    """一事一申请: a request split into items, each counted for fees and given its own outcome."""

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField("序号", default=1)
    description = models.TextField("事项")
    outcome = models.CharField("办理结果", max_length=30, choices=Outcome.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "申请事项"
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="inforequests_item_position_unique")]

    def __str__(self):
        return f"{self.case.number}-{self.position}"


class Pause(models.Model):
    """Time excluded from the clock: days after `started_on` up to and including `ended_on`."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "等待补正"
        THIRD_PARTY = "third_party", "征求第三方意见"
        AGENCY = "agency", "征求其他机关意见"
        FEE = "fee", "等待缴费"

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    party = models.CharField("征求意见对象", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "计时暂停"
        ordering = ["case", "started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="inforequests_pause_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_on}–{self.ended_on or ''}"


class CaseEvent(models.Model):
    """Every transition and recomputation: who, when, why (the case's own audit trail)."""

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=40)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    effective_on = models.DateField("生效日期")
    at = models.DateTimeField("记录时间", auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField("理由/说明", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["case", "at", "id"]

    def __str__(self):
        return f"{self.case.number} {self.action}"


class Notice(models.Model):
    """A notice sent to the applicant (受理回执, 补正告知书, 延期告知书, 收费通知, 答复告知书…) or, in a
    consultation (Art. 32), to the third party — which the applicant's status page never shows."""

    class Addressee(models.TextChoices):
        APPLICANT = "applicant", "申请人"
        THIRD_PARTY = "third_party", "第三方"

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="notices")
    addressee = models.CharField("送达对象", max_length=20, choices=Addressee.choices, default=Addressee.APPLICANT)
    key = models.CharField("类型", max_length=40)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文")
    issued_on = models.DateField("日期")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "告知书"
        ordering = ["case", "issued_on", "id"]

    def __str__(self):
        return f"{self.case.number} {self.title}"

    @property
    def paragraphs(self) -> list[tuple[str, bool]]:
        """(text, is the salutation) per line: the salutation ("张某：") stands flush left and the
        paragraphs after it are indented, as a letter is set (GB/T 9704: 主送机关顶格). The page
        and the PDF set it alike."""
        lines = [line.strip() for line in self.body.splitlines() if line.strip()]
        return [(line, i == 0 and line.endswith(("：", ":")) and len(line) <= 60) for i, line in enumerate(lines)]


def validate_reply_document(file):
    """A released document reaches the applicant as uploaded: it is checked as a record's
    attachment is (disclosures.models.validate_attachment: the kinds and size a government site
    serves, a disguised file, a program in a .zip, VBA macros). A new upload only: documents
    stored before the check (any kind was taken) are left alone, so that saving the case does
    not refuse every change, nor fail on one no longer in storage."""
    if getattr(file, "_committed", True) and not hasattr(file, "content_type"):
        return
    validate_attachment(file)


class ReplyDocument(models.Model):
    """A released document, attached to the reply."""

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("名称", max_length=200)
    file = models.FileField("文件", upload_to="inforequests/%Y/", validators=[validate_reply_document])
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "答复附件"

    def __str__(self):
        return self.title


class Reminder(models.Model):
    """A message to staff or an applicant, sent once and never lost (inforequests.outbox): taken
    (the row, committed) before it is mailed and marked sent after, so no transaction is open
    while the mail server answers; a send that fails gives it back, and one taken CLAIM_SECONDS
    ago and still not sent (its process died) is taken over by `send_request_reminders`."""

    # Well past a send's worst case (EMAIL_TIMEOUT for each step of the exchange).
    CLAIM_SECONDS = 15 * 60
    # An applicant's notice, queued with the change that issued it (NOTICE_KEY), or given back:
    # not taken by any process.
    NOTICE_KEY = "notice:{pk}"
    WAITING = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="reminders")
    key = models.CharField("提醒", max_length=80)
    claimed_at = models.DateTimeField("开始发送时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "已发提醒"
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="inforequests_reminder_once")]

    def __str__(self):
        return self.key
