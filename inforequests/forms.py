import re

from django import forms
from django.core.exceptions import ValidationError

from core.dates import after_today
from core.forms import PlainLabels, ShortModelChoiceField, TypedDateField

from .identity import EXTENSION_MARK, fold_width, normalize_id, validate_credit_code, validate_resident_id
from .models import LAPSE_OUTCOMES, Case, Outcome, Pause, Reanswer
from .selectors import accepting_agencies


def _required(label):
    # The length message comes from PlainLabels, named by the field's label.
    return {"required": f"请填写{label}。"}


def _choice(label):
    return {"required": f"请选择{label}。", "invalid_choice": f"所选{label}无效，请重新选择。"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, *, happened=True, **kwargs):
    """A date staff give. One of a step already taken (`happened`) may not lie after today: said
    beside the field together with the form's other errors, not only once they are put right and
    the service sees it (the service checks it too, for every other caller)."""
    validators = [_not_after_today(label)] if happened else []
    # A browser that has no date picker shows a text box, where an input method types ２０２６－１２－０７.
    return TypedDateField(
        label=label,
        widget=DateInput(),
        validators=validators,
        error_messages={"required": f"请填写{label}。", "invalid": f"{label}格式不正确，请按“2026-10-08”填写。"},
        **kwargs,
    )


def _not_after_today(label):
    def validate(day):
        if message := after_today(day, label):
            raise ValidationError(message, code="after_today")

    return validate


# An extension as people write it after a landline: 转 8001, 分机8001, ext. 8001 (NFKC-folded).
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?)\s*([0-9]{1,6})\s*$", re.IGNORECASE)


def clean_phone(value):
    """Digits (with + for a country code) and any extension as 转 and its digits: separators,
    brackets round an area code and the dashes Chinese input methods type are dropped."""
    phone = fold_width(value).strip()
    extension = _EXTENSION.search(phone)
    if extension:
        phone = phone[: extension.start()]
    phone = re.sub(r"[\s()\-‐‑‒–—―.]", "", phone)
    if not re.fullmatch(r"\+?[0-9]{7,15}", phone):
        raise ValidationError(
            "联系电话应为7至15位数字，可带区号和分机号，如 13800000000、0871-65123456 或 0871-65123456转8001。"
        )
    return f"{phone}{EXTENSION_MARK}{extension.group(1)}" if extension else phone


class FoldedEmailField(forms.EmailField):
    """An address typed with a Chinese input method (＠, full-width letters) as ASCII."""

    def to_python(self, value):
        return fold_width(super().to_python(value))


def check_applicant(form, data):
    """The applicant's type, 证件类型 and number agree, and the number is valid for its type
    (the application form and staff's corrections in the admin): errors beside the fields."""
    id_type, number, kind = data.get("id_type"), data.get("id_number"), data.get("applicant_type")
    if kind and id_type:
        if kind == Case.ApplicantType.PERSON and id_type == Case.IdType.CREDIT_CODE:
            form.add_error("id_type", "自然人请选择居民身份证、护照或其他有效身份证件。")
        elif kind != Case.ApplicantType.PERSON and id_type != Case.IdType.CREDIT_CODE:
            form.add_error("id_type", "法人或其他组织请选择统一社会信用代码。")
    if number and id_type:
        try:
            if id_type == Case.IdType.RESIDENT_ID:
                validate_resident_id(number)
            elif id_type == Case.IdType.CREDIT_CODE:
                validate_credit_code(number)
            elif len(number) < 5:
                raise ValidationError("证件号码太短，请核对。")
        except ValidationError as error:
            form.add_error("id_number", error)


class ApplicationForm(PlainLabels, forms.Form):
    agency = ShortModelChoiceField(
        label="向哪个机关申请", queryset=None, empty_label="请选择机关", error_messages=_choice("受理机关")
    )
    applicant_type = forms.ChoiceField(
        label="申请人类型",
        choices=Case.ApplicantType.choices,
        widget=forms.RadioSelect,
        error_messages=_choice("申请人类型"),
    )
    name = forms.CharField(
        label="姓名或名称",
        max_length=100,
        error_messages=_required("姓名或名称"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_type = forms.ChoiceField(label="证件类型", choices=Case.IdType.choices, error_messages=_choice("证件类型"))
    id_number = forms.CharField(
        label="证件号码",
        max_length=40,
        error_messages=_required("证件号码"),
        help_text="居民身份证18位；法人或其他组织填统一社会信用代码。",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=40,
        error_messages=_required("联系电话"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label="通信地址",
        max_length=200,
        error_messages=_required("通信地址"),
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    email = FoldedEmailField(
        label="电子邮箱（选填）",
        required=False,
        max_length=200,
        error_messages={"invalid": "电子邮箱格式不正确，例如 name@example.com。"},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    title = forms.CharField(label="所需信息的名称", max_length=300, error_messages=_required("所需信息的名称"))
    document_number = forms.CharField(label="文号（选填）", max_length=100, required=False)
    description = forms.CharField(
        label="所需信息的特征描述",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="如发布机关、时间、内容要点，便于准确查找。",
        error_messages=_required("所需信息的特征描述"),
    )
    delivery = forms.ChoiceField(
        label="获取信息的方式",
        choices=Case.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages=_choice("获取方式"),
    )
    consents_publication = forms.BooleanField(
        label="同意答复内容经隐私处理后公开",
        required=False,
        help_text="只公开去除个人信息后的申请和答复内容，不公开姓名、证件号码和联系方式。",
    )
    # A honeypot instead of a CAPTCHA: the wrapper is `hidden`, so people (and screen readers) never meet it.
    website = forms.CharField(label="网址（请勿填写）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = accepting_agencies()

    def clean_id_number(self):
        return normalize_id(self.cleaned_data["id_number"])

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError("提交未成功，请刷新页面后重试。", code="honeypot")
        check_applicant(self, data)
        if data.get("delivery") == Case.Delivery.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "选择电子邮件获取时，请填写电子邮箱。")
        return data

    def service_arguments(self):
        data = self.cleaned_data
        applicant = {
            k: data[k] for k in ("applicant_type", "name", "id_type", "id_number", "phone", "address", "email")
        }
        request = {k: data[k] for k in ("title", "document_number", "description", "delivery", "consents_publication")}
        return {"agency": data["agency"], "applicant": applicant, "request": request}


class StaffEntryForm(ApplicationForm):
    """Post, in person, fax, email: entered by staff with the Art. 31 receipt date."""

    channel = forms.ChoiceField(
        label="申请渠道",
        choices=[c for c in Case.Channel.choices if c[0] != "online"],
        error_messages=_choice("申请渠道"),
    )
    received_on = date_field(
        "收到申请日期", help_text="当面提交为提交之日；邮寄为签收之日；传真、电子邮件为双方确认之日。"
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        del self.fields["website"]


class LookupForm(PlainLabels, forms.Form):
    query_code = forms.CharField(
        label="查询码",
        max_length=20,
        help_text="见受理回执，如 ABCD-EFGH-JKLM。",
        error_messages=_required("查询码"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    tail = forms.CharField(
        label="联系电话或证件号码后4位",
        max_length=20,  # four, as typed: spaced out (12 34) or with an invisible mark pasted along
        error_messages=_required("联系电话或证件号码后4位"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_tail(self):
        tail = re.sub(r"[\s-]", "", fold_width(self.cleaned_data["tail"])).upper()
        if not re.fullmatch(r"[0-9A-Z]{4}", tail):
            raise ValidationError("请填写4位数字（证件号码末位可以是字母，如X）。")
        return tail


# A reason written into a 告知书 (补正事项, 延期理由, 重新答复理由) takes a paragraph there, not pages:
# a longer one is refused beside its field (kept as typed), never cut.
NOTICE_REASON_MAX_CHARACTERS = 1000


# Staff actions: one small form each; views.ACTIONS maps them to services.
class CorrectionForm(PlainLabels, forms.Form):
    notice_on = date_field("补正通知日期")
    reason = forms.CharField(
        label="需要补正的事项",
        max_length=NOTICE_REASON_MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("需要补正的事项"),
    )


class ReceiveCorrectionForm(PlainLabels, forms.Form):
    received_on = date_field("收到补正日期")


class ConsultationForm(PlainLabels, forms.Form):
    kind = forms.ChoiceField(
        label="征求对象类型",
        choices=[(Pause.Kind.THIRD_PARTY, "第三方"), (Pause.Kind.AGENCY, "其他机关")],
        error_messages=_choice("征求对象类型"),
    )
    party = forms.CharField(label="征求意见对象", max_length=200, error_messages=_required("征求意见对象"))
    started_on = date_field("发出征求意见日期")


class EndConsultationForm(PlainLabels, forms.Form):
    ended_on = date_field("收到意见日期")


class FeeForm(PlainLabels, forms.Form):
    notice_on = date_field("收费通知日期")


class PaymentForm(PlainLabels, forms.Form):
    paid_on = date_field("缴费日期")


class ExtendForm(PlainLabels, forms.Form):
    days = forms.IntegerField(
        label="延长工作日",
        min_value=1,
        max_value=20,
        error_messages={
            "required": "请填写延长的工作日数。",
            "invalid": "请填写1至20之间的整数。",
            "min_value": "延长期限为1至20个工作日。",
            "max_value": "延长期限最长不得超过20个工作日（条例第33条）。",
        },
    )
    approver = forms.CharField(label="批准延期的负责人", max_length=100, error_messages=_required("批准延期的负责人"))
    reason = forms.CharField(
        label="延期理由",
        max_length=NOTICE_REASON_MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=_required("延期理由"),
    )
    on = date_field("延期决定日期")


# An answer's text goes into a 告知书 of a few pages; what is released goes as attachments. A
# longer text is refused beside its field (kept as typed), never cut.
REPLY_MAX_CHARACTERS = 20_000


def reply_text_field(label, rows=5):
    return forms.CharField(
        label=label,
        max_length=REPLY_MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=_required(label),
    )


class ReplyForm(PlainLabels, forms.Form):
    outcome = forms.ChoiceField(
        label="办理结果（年报表三）", choices=[("", "请选择")] + Outcome.choices, error_messages=_choice("办理结果")
    )
    replied_on = date_field("答复日期")
    reply_text = reply_text_field("答复内容")
    third_party_reason = forms.CharField(
        label="告知第三方的公开理由（征求过第三方意见且决定公开时必填）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(PlainLabels, forms.Form):
    basis = forms.ChoiceField(
        label="重新答复依据", choices=[("", "请选择")] + Reanswer.Basis.choices, error_messages=_choice("重新答复依据")
    )
    order_reference = forms.CharField(
        label="决定书/判决书文号（自行纠错的可不填）",
        required=False,
        max_length=100,
        help_text="如：官府复决字〔2026〕12号。",
    )
    order_date = date_field("决定/判决日期")
    served_on = date_field("送达本机关日期", help_text="视为收到申请之日，重新计算20个工作日的答复期限。")
    ordered_due_on = date_field(
        "决定书/判决书规定的答复期限",
        happened=False,
        required=False,
        help_text="决定书或判决书规定了答复期限的填写；未规定的不填。",
    )
    reason = forms.CharField(
        label="重新答复理由",
        max_length=NOTICE_REASON_MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("重新答复理由"),
        help_text="将写入告知申请人的重新答复告知书。",
    )


class ReanswerForm(PlainLabels, forms.Form):
    outcome = forms.ChoiceField(
        label="重新答复的办理结果",
        # A lapse (逾期不补正, 逾期未缴费) is no answer to an order to answer again.
        choices=[("", "请选择")] + [(value, label) for value, label in Outcome.choices if value not in LAPSE_OUTCOMES],
        error_messages=_choice("办理结果"),
    )
    replied_on = date_field("重新答复日期")
    reply_text = reply_text_field("重新答复内容")
    third_party_reason = ReplyForm.base_fields["third_party_reason"]


class WithdrawForm(PlainLabels, forms.Form):
    withdrawn_on = date_field("撤回日期")
    note = forms.CharField(
        label="撤回方式或说明（选填）",
        required=False,
        max_length=200,
        help_text="只记入办理记录，供工作人员查看；不写入给申请人的终止办理告知书。",
    )


class ArchiveForm(PlainLabels, forms.Form):
    note = forms.CharField(label="归档说明（选填）", required=False, max_length=200)


class PublishForm(PlainLabels, forms.Form):
    request_text = reply_text_field("隐私处理后的申请内容", rows=3)
    reply_text = reply_text_field("隐私处理后的答复内容")


class PublishReanswerForm(PlainLabels, forms.Form):
    reply_text = reply_text_field("隐私处理后的重新答复内容")


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label="查找申请",
        max_length=100,
        required=False,
        help_text="输入申请编号、查询码，或申请人的完整证件号码、联系电话。",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class StaffQueueForm(forms.Form):
    agency = ShortModelChoiceField(label="受理机关", required=False, queryset=None, empty_label="全部")
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "未办结"), ("all", "全部")] + Case.State.choices
    )
    alarm = forms.ChoiceField(
        label="预警",
        required=False,
        choices=[("", "全部"), ("正常", "正常"), ("预警", "预警"), ("黄牌", "黄牌"), ("红牌", "红牌")],
    )
    order = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[
            ("due_on", "答复期限（近→远）"),
            ("-due_on", "答复期限（远→近）"),
            ("-received_on", "收到日期（新→旧）"),
            ("received_on", "收到日期（旧→新）"),
            ("number", "申请编号"),
        ],
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class SplitForm(PlainLabels, forms.Form):
    descriptions = forms.CharField(
        label="拆分后的事项（每行一项）",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("拆分后的事项"),
    )

    def clean_descriptions(self):
        return self.cleaned_data["descriptions"].splitlines()


class DuplicateForm(PlainLabels, forms.Form):
    original = forms.CharField(label="原申请编号", max_length=40, error_messages=_required("原申请编号"))

    def clean_original(self):
        # As typed from a letter or by an input method in full-width mode: ｇｄ－ＹＳＱ－２０２６… is
        # GD-YSQ-2026… (numbers are stored in capitals).
        return "".join(fold_width(self.cleaned_data["original"]).split()).upper()


class PromoteForm(PlainLabels, forms.Form):
    title = forms.CharField(label="主动公开信息的标题（选填）", max_length=300, required=False)


class ReportForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2008,
        max_value=2100,
        required=False,
        error_messages={
            "invalid": "年度应为四位数字。",
            "min_value": "年度不早于2008年。",
            "max_value": "年度不晚于2100年。",
        },
    )
    agency = ShortModelChoiceField(label="受理机关", required=False, queryset=None, empty_label="全部")

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


APPLICANT_FIELDS = ["applicant_type", "name", "id_type", "id_number", "phone", "address", "email"]
# What a correction of the applicant's particulars may change, each with a reason on record: the
# applicant's own and an organisation's 联系人, a person's name.
CORRECTED_FIELDS = [*APPLICANT_FIELDS, "contact_person"]


class CaseAdminForm(forms.ModelForm):
    """Staff correcting an applicant's particulars (a typo at registration): validated as the
    application form validates them, and only with a reason, which goes into the case's
    办理记录 (services.case_correct_applicant)."""

    correction_reason = forms.CharField(
        label="更正原因",
        required=False,
        max_length=200,
        help_text="更正申请人信息时必填，记入办理记录（如：登记时证件号码录错，已与申请人核实）。",
    )

    class Meta:
        model = Case
        fields = "__all__"

    def clean_id_number(self):
        return normalize_id(self.cleaned_data["id_number"])

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])

    def clean_email(self):
        # Stored encrypted as text: checked here as the application form's EmailField checks it.
        email = (self.cleaned_data.get("email") or "").strip()
        if email:
            forms.EmailField(error_messages={"invalid": "电子邮箱格式不正确，例如 name@example.com。"}).clean(email)
        return email

    def clean(self):
        data = super().clean()
        changed = [name for name in CORRECTED_FIELDS if name in self.changed_data]
        if changed:
            # Read-only once answered, the type is still what the 证件类型 must agree with.
            check_applicant(self, {"applicant_type": self.instance.applicant_type, **data})
            if not (data.get("correction_reason") or "").strip():
                self.add_error("correction_reason", "更正申请人信息须填写更正原因。")
        return data
