from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.html import format_html

from audit.admin import PersonalDataAdminMixin
from audit.models import Action
from audit.services import audit_log
from core.admin_input import AdminInputMixin
from core.changelists import CachedRelatedFieldListFilter, LargeTableAdminMixin, year_filter
from core.concurrency import VERSION_FIELD, VersionedAdminMixin, VersionedModelForm
from core.forms import error_reasons
from core.history_admin import HistoryAdmin
from disclosures import selectors as disclosure_selectors
from disclosures.admin import AgencyScopedHistoryMixin, DistrictWideAdminMixin
from disclosures.index_numbers import IndexNumberError
from disclosures.models import DisclosureRecord, Organization, review_permission

from . import selectors, services
from .models import (
    Assembly,
    Feedback,
    Member,
    Proposal,
    Reply,
    ReplyCategory,
    SatisfactionLevel,
    Session,
    normalize_proposal_number,
)

PUBLISH_PERMISSION = services.PUBLISH_PERMISSION
# Changing one of these on a reply already published publishes it again in the new way (a
# switch to 不公开 withdraws its record; to 摘要公开 the record shows the summary).
PUBLICATION_FIELDS = ("publication_mode", "mode_reason", "summary")


@admin.register(Assembly)
class AssemblyAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "kind", "place", "position"]
    list_filter = ["kind"]
    search_fields = ["name", "place"]


@admin.register(Session)
class SessionAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["__str__", "year", "opens_on", "closes_on"]
    list_filter = ["assembly", "year"]
    search_fields = ["name", "assembly__name"]
    autocomplete_fields = ["assembly"]


# A member's contact field -> what staff outside the member's contacts scope see in its place.
# The sign-in account too: a district often makes a member's phone number their user name.
MASKED_CONTACTS = {field: f"masked_{field}" for field in (*services.MEMBER_CONTACT_FIELDS, "user")}


@admin.register(Member)
class MemberAdmin(PersonalDataAdminMixin, VersionedAdminMixin, HistoryAdmin):
    """Contact details (不公开) are read and changed only by staff whose reach covers the member
    (selectors.members_with_contacts_for_staff); others see them masked and read-only, in the
    form and in old versions, and cannot find a member by them (docs/decisions/0119). Lists
    show them masked to everyone, as 依申请公开 lists do applicants'."""

    list_display = ["name", "assembly", "sector", "masked_phone", "account", "is_active"]
    list_select_related = ["assembly", "user"]
    personal_fields = [*services.MEMBER_CONTACT_FIELDS, "user"]
    list_filter = ["assembly", "is_active"]
    search_fields = ["name", "sector"]
    search_help_text = "按姓名、界别查找；联系电话、电子邮箱、登录账号只在您可查看其联系方式的代表委员中查找。"
    autocomplete_fields = ["assembly", "user"]
    readonly_fields = list(MASKED_CONTACTS.values())
    fieldsets = [
        (None, {"fields": ["assembly", "name", "sector", "is_active"]}),
        ("登录账号", {"fields": ["user"], "description": "先在“用户”中创建账号（不授予工作人员权限），再在此关联。"}),
        ("联系方式（仅工作人员可见，不在网站公开）", {"fields": list(services.MEMBER_CONTACT_FIELDS)}),
    ]

    # Who a member is shows on every public page of their proposals: the district's to change
    # (an agency's 录入员 renamed a member, live); an agency's staff keep contacts in reach current.
    identity_fields = ["assembly", "name", "sector", "is_active"]

    def _district_wide(self, request):
        return disclosure_selectors.manages_all_agencies(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._district_wide(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._district_wide(request)

    def contacts_visible(self, request, obj) -> bool:
        """Asked several times per page (fieldsets, form, audit): answered once per member."""
        if obj is None:
            return True  # the add form: nothing stored to show
        answers = request.__dict__.setdefault("_member_contacts_visible", {})
        if obj.pk not in answers:
            answers[obj.pk] = selectors.can_see_member_contacts(request.user, obj.pk)
        return answers[obj.pk]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.contacts_visible(request, obj):
            return fieldsets
        # Not form fields at all: nothing masked is ever posted back over the stored values.
        return [
            (name, {**options, "fields": [MASKED_CONTACTS.get(field, field) for field in options["fields"]]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if self.contacts_visible(request, obj):
            return form
        # An edit conflict lists what changed since the page was opened: not these values.
        return type(form.__name__, (form,), {"withheld_fields": tuple(MASKED_CONTACTS)})

    def lookup_allowed(self, lookup, value, request=None):
        # ?phone__startswith=… in the changelist's address would tell, hit by hit, a number the
        # page shows masked: contacts are found by the search box only, within reach.
        if lookup.split("__", 1)[0] in MASKED_CONTACTS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_queryset(self, request):
        in_reach = selectors.members_with_contacts_for_staff(request.user)
        return super().get_queryset(request).annotate(contacts_in_reach=Exists(in_reach.filter(pk=OuterRef("pk"))))

    @admin.display(description=Member._meta.get_field("user").verbose_name)
    def account(self, obj):
        if obj.user is None:
            return "—"
        return obj.user.get_username() if obj.contacts_in_reach else self.masked_user(obj)

    @admin.display(description=Member._meta.get_field("user").verbose_name)
    def masked_user(self, obj):
        return "已关联（不显示账号）" if obj.user_id else "未关联"

    @admin.display(description=Member._meta.get_field("phone").verbose_name)
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description=Member._meta.get_field("email").verbose_name)
    def masked_email(self, obj):
        return obj.masked_email

    @admin.display(description=Member._meta.get_field("address").verbose_name)
    def masked_address(self, obj):
        return obj.masked_address

    def get_search_results(self, request, queryset, search_term):
        by_words, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return by_words, may_have_duplicates
        # By phone or email only among the members whose contacts the staff member may read:
        # a hit would tell anyone else whose number it is.
        by_contact = selectors.members_by_contact(
            selectors.members_with_contacts_for_staff(request.user, queryset), term
        )
        found = queryset.filter(Q(pk__in=by_words.values("pk")) | Q(pk__in=by_contact.values("pk")))
        return found, False

    def get_readonly_fields(self, request, obj=None):
        # The account linked reads the member's letters, sent and not yet public, and gives
        # their 满意度: who it is is decided by district-wide staff only (a field not in the
        # form is not saved, whatever is posted); so is who the member is (identity_fields).
        readonly = list(super().get_readonly_fields(request, obj))
        if not self._district_wide(request):
            readonly += ["user", *self.identity_fields]
        return readonly

    def _audit_opened(self, request, object_id, version_id, detail):
        # Only a page showing the details opens them; the masked one shows nothing to log.
        member = Member(pk=Member._meta.pk.to_python(unquote(object_id)))
        if self.contacts_visible(request, member):
            super()._audit_opened(request, object_id, version_id, detail)

    def save_model(self, request, obj, form, change):
        if change:  # the form holds no contact fields for staff who may not change them: a backstop
            services.member_contacts_check(member=obj, changed=form.changed_data, user=request.user)
        super().save_model(request, obj, form, change)
        if "user" in form.changed_data:  # who reads the member's letters: a permission change
            account = obj.user.get_username() if obj.user else "无"
            audit_log(request.user, Action.PERMISSION_CHANGE, obj, f"代表委员登录账号改为：{account}")


@admin.register(ReplyCategory)
class ReplyCategoryAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["code", "label", "position"]
    search_fields = ["code", "label"]


@admin.register(SatisfactionLevel)
class SatisfactionLevelAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["label", "code", "counts_as_satisfied", "requires_rehandling", "position"]
    list_filter = ["counts_as_satisfied", "requires_rehandling"]
    search_fields = ["label", "code"]


class ReplyInline(AdminInputMixin, admin.TabularInline):
    model = Reply
    extra = 0
    fields = ["answering_unit", "replied_on", "category", "status", "publication_mode", "published_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # An assisting unit sees its own replies here, not the other units' drafts.
        return selectors.replies_for_staff(request.user, super().get_queryset(request))


@admin.register(Proposal)
class ProposalAdmin(AgencyScopedHistoryMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["number", "title", "session", "lead_member", "lead_unit", "status", "due_on", "is_key"]
    list_filter = ["session__assembly", "session", "status", "kind", "is_key", "extended", "lead_unit"]
    search_fields = ["number", "title", "lead_member__name", "co_proposers__name"]
    autocomplete_fields = ["session", "lead_member", "co_proposers", "lead_unit", "assisting_units", "merged_into"]
    readonly_fields = ["due_on", "rehandling_due_on"]
    date_hierarchy = "assigned_on"
    inlines = [ReplyInline]

    def get_queryset(self, request):
        return selectors.proposals_for_staff(request.user, super().get_queryset(request))

    # The 交办, the district's: who handles a proposal decides which agencies see it, and who
    # made it whose contacts they read (docs/decisions/0119). An agency's staff keep them as
    # assigned (a field not in the form is not saved, whatever is posted) and add no proposals.
    ASSIGNMENT_FIELDS = ["lead_member", "co_proposers", "lead_unit", "assisting_units", "merged_into"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and disclosure_selectors.manages_all_agencies(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or selectors.can_change_proposal(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not disclosure_selectors.manages_all_agencies(request.user):
            readonly += self.ASSIGNMENT_FIELDS
        return readonly

    fieldsets = [
        (None, {"fields": ["session", "number", "kind", "title", "is_key"]}),
        ("提案人", {"fields": ["lead_member", "co_proposers"]}),
        ("交办与承办", {"fields": ["filed_on", "assigned_on", "lead_unit", "assisting_units", "merged_into"]}),
        (
            "办理状态与期限",
            {
                "fields": [
                    "status",
                    "due_on",
                    "extended",
                    "extension_reason",
                    "rehandling_started_on",
                    "rehandling_due_on",
                ],
                "description": "办理期限 = 交办日期 + 3个月；延期为6个月，须记录理由。重新办理期限 = 开始日期 + 1个月。",
            },
        ),
    ]


class ReplyAdminForm(VersionedModelForm):
    class Meta:
        model = Reply
        fields = "__all__"
        # letter and summary: the rich-text editor (disclosures.editor.RichTextField).

    user = None  # set by ReplyAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        sent = self.instance.pk and self.instance.status == Reply.Status.SENT
        if sent and "letter" in self.changed_data and "correction_note" not in self.changed_data:
            self.add_error("correction_note", "答复已送达，修改全文即为更正：请填写更正说明（原文会保留）。")
        edited = self._published_fields_edited()
        if edited and self.user is not None:
            # Everything a published reply says is public at once (its record, the proposal's
            # page, the API, the feeds, the statistics): changed as it was published.
            publisher = self._publisher(cleaned)
            if not self.user.has_perm(PUBLISH_PERMISSION):
                self.add_error(edited[0], "这份答复已公开：修改公开的内容需要公开答复的权限（审核员）。")
            elif not disclosure_selectors.can_manage_organization(self.user, publisher.pk):
                self.add_error(edited[0], f"这份答复以“{publisher}”的名义公开：修改须由该机构的工作人员操作。")
        if self.republishes and self.user is not None:
            if not self.user.has_perm(PUBLISH_PERMISSION):
                self.add_error("publication_mode", "这份答复已公开：改变公开方式、理由或摘要需要公开答复的权限。")
            record = self.instance.record
            withdrawn = record is not None and record.status == DisclosureRecord.Status.WITHDRAWN
            shown = cleaned.get("publication_mode") != Reply.PublicationMode.WITHHELD
            if withdrawn and shown and not self.user.has_perm(review_permission("final")):
                self.add_error("publication_mode", "这份答复的记录已撤回：只有终审审核员可以让它重新公开。")
            publisher = self._publisher(cleaned)
            if not disclosure_selectors.can_manage_organization(self.user, publisher.pk):
                self.add_error(
                    "publication_mode", f"这份答复以“{publisher}”的名义公开：改变公开方式须由该机构的工作人员操作。"
                )
            elif shown and not publisher.index_code:
                self.add_error("publication_mode", f"“{publisher}”没有组织机构代码，无法生成索引号公开。")
        return cleaned

    def _publisher(self, cleaned):
        """Whose name the reply is public under: its record's publisher, else whom it would be
        published by."""
        record = self.instance.record
        if record is not None:
            return record.publisher
        return services.publisher_for(cleaned.get("answering_unit") or self.instance.answering_unit)

    @property
    def _published(self) -> bool:
        return bool(self.instance.pk and self.instance.published_at)

    def _published_fields_edited(self) -> list[str]:
        """The fields of a published reply changed here, other than how it is published
        (checked with the republish below)."""
        if not self._published:
            return []
        return [
            name
            for name in self.changed_data
            if name in self.fields and name not in (*PUBLICATION_FIELDS, VERSION_FIELD)
        ]

    @property
    def republishes(self) -> bool:
        return self._published and bool(set(PUBLICATION_FIELDS) & set(self.changed_data))


class SessionFilter(CachedRelatedFieldListFilter):
    """届次: each named with its assembly, read in the same query (not one query per session)."""

    def read_choices(self, field, request, model_admin):
        return [(session.pk, str(session)) for session in Session.objects.select_related("assembly")]


@admin.register(Reply)
class ReplyAdmin(AgencyScopedHistoryMixin, LargeTableAdminMixin, VersionedAdminMixin, HistoryAdmin):
    form = ReplyAdminForm
    list_display = [
        "__str__",
        "answering_unit",
        "replied_on",
        "category",
        "status",
        "publication_mode",
        "published_at",
        "record_link",
    ]
    # Everything a row shows (__str__ names the session and its assembly): the proposal, its
    # session and the record joined into the page's query, the answering units and categories
    # read by id after it (LargeTableAdminMixin.list_prefetch).
    list_select_related = ["proposal__session__assembly", "record"]
    list_prefetch = ["answering_unit", "category"]
    list_defer = [
        "letter",
        "summary",
        "mode_reason",
        "original_letter",
        "correction_note",
        *(f"record__{name}" for name in ("body", "summary", "withheld_reason", "keywords")),
    ]
    # Newest first along reply_admin_order, not by proposal (a sort over three joined tables).
    ordering = ["-replied_on", "-id"]
    list_filter = [
        "status",
        year_filter("replied_on", "答复年份"),
        "publication_mode",
        "category",
        "is_rehandling",
        ("proposal__session", SessionFilter),
        "answering_unit",
    ]
    search_fields = ["proposal__number", "proposal__title", "answering_unit__name", "contact_person"]
    search_help_text = "输入提案号（如 102114 或 第102114号）精确查找；其他词语在提案标题、答复单位和联系人中查找。"
    autocomplete_fields = ["proposal", "answering_unit"]
    # get_form lets staff of the publishing government keep a department's unit on its reply:
    # the box must still find that unit (core.admin_input).
    autocomplete_wider = ["answering_unit"]
    readonly_fields = ["status", "published_at", "record_link", "original_letter", "corrected_at"]
    actions = ["send_selected", "publish_selected"]
    fieldsets = [
        (None, {"fields": ["proposal", "answering_unit", "replied_on", "category", "is_rehandling"]}),
        ("答复函", {"fields": ["letter", "contact_person", "contact_phone"]}),
        (
            "公开",
            {
                "fields": ["publication_mode", "mode_reason", "summary", "status", "published_at", "record_link"],
                "description": "“标记为已答复”后可公开；全文或摘要公开时生成政府信息公开记录（索引号），答复后20个工作日内公开。",
            },
        ),
        ("更正", {"fields": ["correction_note", "original_withheld", "corrected_at", "original_letter"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        # A 提案号 first, from the proposal number index; words are matched in the rows (there
        # is one reply for every fifty records).
        number = normalize_proposal_number(search_term)
        if number:
            exact = queryset.filter(proposal__number=number)
            if exact.exists():
                return exact, False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="政府信息公开记录")
    def record_link(self, obj):
        if not obj.record_id:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.record.get_absolute_url(), obj.record.index_number or "（草稿）")

    def get_queryset(self, request):
        return selectors.replies_for_staff(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "answering_unit":
            kwargs["queryset"] = disclosure_selectors.agencies_of(request.user)
        elif db_field.name == "proposal":
            kwargs["queryset"] = selectors.proposals_for_staff(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        parent = super().get_form(request, obj, change=change, **kwargs)
        form = type(parent.__name__, (parent,), {"user": request.user})  # (its fields are made anew)
        if obj is not None and "answering_unit" in form.base_fields:
            # Staff of the publishing government keep the department's unit when they save, and
            # cannot make the reply another unit's (the department would lose its own reply).
            field = form.base_fields["answering_unit"]
            unit = Organization.objects.filter(pk=obj.answering_unit_id)
            ours = disclosure_selectors.can_manage_organization(request.user, obj.answering_unit_id)
            field.queryset = field.queryset | unit if ours else unit
        return form

    def save_model(self, request, obj, form, change):
        if change and obj.status == Reply.Status.SENT and "letter" in form.changed_data:
            corrected, obj.letter = obj.letter, form.initial["letter"]
            super().save_model(request, obj, form, change)
            services.reply_correct(reply=obj, letter=corrected, note=obj.correction_note, user=request.user)
            self.message_user(request, "答复已更正，原文已保留。", messages.SUCCESS)
        else:
            super().save_model(request, obj, form, change)
        if change and form.republishes:
            try:
                result = services.reply_publish(reply=obj, user=request.user)
            except (ValidationError, PermissionDenied, IndexNumberError) as error:
                # Checked in the form; should it still fail, nothing of this save stands.
                transaction.set_rollback(True)
                self.message_user(request, f"未保存：{error_reasons(error)}", messages.ERROR)
                return
            how = f"记录 {result.record.index_number}" if result.record else "已撤回其记录，只公开不公开理由"
            self.message_user(
                request, f"公开方式已改为“{obj.get_publication_mode_display()}”：{how}。", messages.SUCCESS
            )

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    @admin.action(description="标记为已答复（已送达代表委员）", permissions=["publish"])
    def send_selected(self, request, queryset):
        for reply in queryset:
            try:
                services.reply_send(reply=reply, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"“{reply}”未标记：{error_reasons(error)}", messages.ERROR)
            else:
                self.message_user(request, f"“{reply}”已标记为已答复。", messages.SUCCESS)

    @admin.action(description="公开所选答复（生成政府信息公开记录）", permissions=["publish"])
    def publish_selected(self, request, queryset):
        for reply in queryset:
            try:
                result = services.reply_publish(reply=reply, user=request.user)
            except (ValidationError, PermissionDenied, IndexNumberError) as error:
                text = error_reasons(error)
                self.message_user(request, f"“{reply}”未公开：{text}", messages.ERROR)
                continue
            if result.record:
                self.message_user(request, f"“{reply}”已公开，索引号 {result.record.index_number}。", messages.SUCCESS)
            else:
                self.message_user(request, f"“{reply}”不公开，已公开不公开理由。", messages.SUCCESS)
            for warning in result.warnings:
                self.message_user(request, warning, messages.WARNING)


@admin.register(Feedback)
class FeedbackAdmin(AgencyScopedHistoryMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["member", "reply", "level", "submitted_at", "updated_at", "closed_at"]
    list_filter = ["level", ("closed_at", admin.EmptyFieldListFilter), "reply__proposal__session"]
    search_fields = ["member__name", "reply__proposal__number", "reply__proposal__title", "comment"]
    readonly_fields = ["reply", "member", "level", "comment", "submitted_at", "updated_at", "closed_at", "closed_by"]
    actions = ["close_selected"]

    def has_add_permission(self, request):
        return False  # feedback comes from members themselves

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if disclosure_selectors.manages_all_agencies(request.user):
            return queryset
        return queryset.filter(reply__in=selectors.replies_for_staff(request.user))

    @admin.action(description="确认所选反馈（确认后代表委员不能再修改）", permissions=["change"])
    def close_selected(self, request, queryset):
        for feedback in queryset:
            services.feedback_close(feedback=feedback, user=request.user)
        self.message_user(request, f"已确认 {queryset.count()} 份反馈。", messages.SUCCESS)
