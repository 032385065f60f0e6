"""Admin: scoped to the staff member's agencies (queryset and object permissions, not only
menus). State and clock fields are read-only here: they change through services only."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.html import format_html, format_html_join

from audit.admin import PersonalDataAdminMixin
from core.admin_input import AdminInputMixin
from core.concurrency import LockedChangeAdminMixin
from core.forms import error_reasons
from core.history_admin import HistoryAdmin
from core.kept_uploads import KeptFileInput
from core.uploads import UploadFailureAdminMixin
from disclosures.admin import DistrictWideAdminMixin, OwnAgencyRowAdminMixin

from . import selectors, services
from .forms import CORRECTED_FIELDS, CaseAdminForm
from .models import Agency, Case, CaseEvent, NoticeTemplate, Reanswer, ReplyDocument


@admin.register(Agency)
class AgencyAdmin(OwnAgencyRowAdminMixin, HistoryAdmin):
    """A desk's contact and 行政复议机关 are named in every notice its agency sends: kept by that
    agency's staff. Which agency a desk is, and opening or deleting one, are the district's."""

    list_display = ["organization", "accepts_requests", "contact"]
    agency_field = "organization_id"
    district_fields = ["organization"]


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(DistrictWideAdminMixin, HistoryAdmin):
    list_display = ["key", "title"]


class CaseEventInline(AdminInputMixin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["action", "from_state", "to_state", "effective_on", "at", "user", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


class ReanswerInline(AdminInputMixin, admin.TabularInline):
    """重新答复 rounds: recorded on the staff case page (services), shown here."""

    model = Reanswer
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "basis",
        "order_reference",
        "order_date",
        "served_on",
        "due_on",
        "outcome",
        "replied_on",
        "opened_by",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class ReplyDocumentInline(AdminInputMixin, admin.TabularInline):
    """Released documents: attachments of the reply."""

    model = ReplyDocument
    extra = 1
    formfield_overrides = {models.FileField: {"widget": KeptFileInput}}


class AlarmFilter(admin.SimpleListFilter):
    title = "预警"
    parameter_name = "alarm"

    def lookups(self, request, model_admin):
        return [(level, level) for level in selectors.ALARM_LEVELS]

    def queryset(self, request, queryset):
        if self.value() in selectors.ALARM_LEVELS:
            return selectors.queue(user=request.user, alarm=self.value()).filter(pk__in=queryset.values("pk"))
        return queryset


@admin.register(Case)
class CaseAdmin(PersonalDataAdminMixin, UploadFailureAdminMixin, LockedChangeAdminMixin, HistoryAdmin):
    list_display = ["number", "agency", "state", "received_on", "due_on", "alarm", "applicant", "masked_id_number"]
    list_filter = ["state", AlarmFilter, "channel", "agency"]
    search_fields = ["number"]  # never the encrypted applicant fields (an ID number: its digest)
    search_help_text = "输入申请编号、查询码，或申请人的完整证件号码、联系电话。"
    ordering = ["due_on"]
    inlines = [ReplyDocumentInline, ReanswerInline, CaseEventInline]
    # Agency and receipt date drive scoping and the clock: changed only through services.
    readonly_fields = [
        "number",
        "agency",
        "channel",
        "received_on",
        "is_demo",
        "duplicate_of",
        "state",
        "clock_start",
        "due_on",
        "due_exact",
        "due_basis",
        "waiting_until",
        "extension_days",
        "extension_approver",
        "correction_notice_on",
        "correction_received_on",
        "fee_amount",
        "fee_notice_on",
        "paid_on",
        "outcome",
        "replied_on",
        "answer_working_days",
        "answered_on_time",
        "published_at",
        "confirmed_at",
        "promoted_record",
        "staff_page",
    ]
    exclude = ["public_request_text", "public_reply_text", "due_inputs"]  # shown as due_basis
    form = CaseAdminForm
    # An organisation's 联系人 is a person too (encrypted, erased with the particulars).
    personal_fields = [name for name in CORRECTED_FIELDS if name != "applicant_type"]

    def get_queryset(self, request):
        return selectors.cases_for(request.user).select_related("agency")

    def get_search_results(self, request, queryset, search_term):
        """By 申请编号 (or part of it), or the applicant's: their whole ID number or phone
        number, or the 查询码 (selectors.applicant_match, as the staff queue finds them)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        return found | queryset.filter(selectors.applicant_match(search_term)), duplicates

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.replied_on is not None:
            # As answered: the notice and 年报 say so; answering again (重新答复) keeps it.
            readonly += ["applicant_type", "reply_text"]
        if obj is not None and obj.particulars_erased_on is not None:
            readonly += CORRECTED_FIELDS  # erased at the end of their period
        return list(dict.fromkeys(readonly))

    def save_model(self, request, obj, form, change):
        changed = [name for name in CORRECTED_FIELDS if name in form.changed_data]
        if not changed:
            return super().save_model(request, obj, form, change)
        try:
            services.case_correct_applicant(
                case=obj, changed=changed, reason=form.cleaned_data["correction_reason"].strip(), user=request.user
            )
        except ValidationError as error:  # checked again here; the form said it first
            raise PermissionDenied(error_reasons(error)) from error

    def _allowed(self, request, obj):
        return obj is None or selectors.can_handle(user=request.user, case=obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cases are records: archived, never deleted

    def has_add_permission(self, request):
        return False  # staff register offline applications at inforequests:staff_new (numbering, receipt)

    @admin.display(description="预警")
    def alarm(self, obj):
        return selectors.alarm_level(selectors.days_left(obj))

    @admin.display(description="申请人")
    def applicant(self, obj):
        return obj.masked_name

    @admin.display(description="证件号码")
    def masked_id_number(self, obj):
        return obj.masked_id

    @admin.display(description="期限计算依据")
    def due_basis(self, obj):
        lines = selectors.due_basis_lines(obj)
        return (
            format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))
            if lines
            else "-"
        )

    @admin.display(description="办理页面")
    def staff_page(self, obj):
        return format_html('<a href="{}">办理、告知书与期限计算</a>', obj.get_absolute_url())
