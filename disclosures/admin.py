from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from core.concurrency import VersionedAdminMixin

from . import selectors, services
from .forms import DisclosureRecordAdminForm
from .index_numbers import IndexNumberError
from .models import AgencyMembership, Attachment, DisclosureRecord, Genre, Organization, Page, Topic

PUBLISH_PERMISSION = "disclosures.publish_disclosurerecord"


@admin.register(Organization)
class OrganizationAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "section_code", "org_code", "credit_code", "parent"]
    search_fields = ["name", "short_name", "org_code", "credit_code", "section_code"]
    autocomplete_fields = ["parent"]

    def get_search_results(self, request, queryset, search_term):
        # The record form's 发布机构 box offers only the staff member's own agencies.
        if request.GET.get("model_name") == "disclosurerecord" and request.GET.get("field_name") == "publisher":
            queryset = queryset.filter(pk__in=selectors.agencies_of(request.user).values("pk"))
        return super().get_search_results(request, queryset, search_term)


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["user", "organization"]
    list_filter = ["organization"]
    search_fields = ["user__username", "user__first_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Topic)
class TopicAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "is_national", "position"]
    list_filter = ["is_national"]
    search_fields = ["name"]


@admin.register(Genre)
class GenreAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "is_official_document", "position"]
    list_filter = ["is_official_document"]
    search_fields = ["name"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["title", "file", "position"]


@admin.register(DisclosureRecord)
class DisclosureRecordAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    form = DisclosureRecordAdminForm
    list_display = ["title", "index_number", "document_number", "publisher", "status", "published_at", "view_count"]
    list_filter = ["status", "validity", "disclosure_mode", "topic", "genre", "publisher"]
    search_fields = ["index_number", "title", "document_number"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["publisher", "drafting_org", "topic", "genre", "superseded_by"]
    inlines = [AttachmentInline]
    actions = ["publish_selected", "withdraw_selected"]
    fieldsets = [
        (None, {"fields": ["title", "publisher", "drafting_org", "document_number", "written_date", "published_at"]}),
        ("分类", {"fields": ["topic", "genre", "keywords", "summary"]}),
        (
            "有效性与公开方式",
            {
                "fields": [
                    "validity",
                    "effective_date",
                    "invalid_date",
                    "superseded_by",
                    "disclosure_mode",
                    "withheld_reason",
                ]
            },
        ),
        ("正文", {"fields": ["body"]}),
        ("状态", {"fields": ["status", "index_number", "view_count"]}),
    ]

    # Row-level scoping: staff see and act on their agencies' records only (district-wide
    # staff on all). Every admin URL of a record (change, delete, history, a history version)
    # asks one of these, and the services check again.
    def get_queryset(self, request):
        return selectors.scoped_to_agencies(super().get_queryset(request), request.user)

    def _in_scope(self, request, obj):
        return obj is None or selectors.can_manage_record(request.user, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "publisher":
            kwargs["queryset"] = selectors.agencies_of(request.user)
            kwargs["error_messages"] = {"invalid_choice": "只能选择您所在的机构作为发布机构。"}
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["view_count"]
        # 录入员 edit drafts; only 审核员 change status, and a 索引号 once set never changes.
        if not request.user.has_perm(PUBLISH_PERMISSION):
            readonly += ["status"]
        if obj is None or obj.index_number:
            readonly += ["index_number"]
        return readonly

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj) and self._in_scope(request, obj)
        if allowed and obj is not None and obj.status != DisclosureRecord.Status.DRAFT:
            return request.user.has_perm(PUBLISH_PERMISSION)
        return allowed

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm(PUBLISH_PERMISSION):
            actions.pop("publish_selected", None)
            actions.pop("withdraw_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        # Publishing goes through the service (索引号, history reason, Art. 26 warning):
        # the edit is saved under the previous status first, then published.
        publishing = "status" in form.changed_data and obj.status == DisclosureRecord.Status.PUBLISHED
        if publishing:
            obj.status = form.initial.get("status") or DisclosureRecord.Status.DRAFT
        super().save_model(request, obj, form, change)
        if publishing:
            self._publish(request, obj)

    def _publish(self, request, record):
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        try:
            result = services.record_publish(record=record, user=request.user)
        except (IndexNumberError, ValidationError) as error:
            self.message_user(request, f"“{record}”未发布：{error}", messages.ERROR)
            return
        record.index_number, record.status = result.record.index_number, result.record.status
        when = timezone.localtime(result.record.published_at)
        verb = "已发布" if result.record.is_public else f"已定时于 {when:%Y-%m-%d %H:%M} 发布"
        self.message_user(request, f"“{record}”{verb}，索引号 {result.record.index_number}。", messages.SUCCESS)
        for warning in result.warnings:
            self.message_user(request, warning, messages.WARNING)

    @admin.action(description="发布所选记录", permissions=["publish"])
    def publish_selected(self, request, queryset):
        for record in queryset.select_related("publisher"):
            self._publish(request, record)

    @admin.action(description="撤回所选记录", permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        for record in queryset:
            services.record_withdraw(record=record, user=request.user)
        self.message_user(request, f"已撤回 {queryset.count()} 条记录。", messages.SUCCESS)

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    # Deleted records: listed for restore (with their attachments), no URL typed by hand.

    def get_urls(self):
        return [
            path(
                "deleted/", self.admin_site.admin_view(self.deleted_view), name="disclosures_disclosurerecord_deleted"
            ),
            *super().get_urls(),
        ]

    def deleted_view(self, request):
        if not (self.has_add_permission(request) and request.user.has_perm(PUBLISH_PERMISSION)):
            raise PermissionDenied
        if request.method == "POST":
            try:
                record = services.record_restore(history_id=int(request.POST.get("history_id", "0")), user=request.user)
            except (ValueError, DisclosureRecord.history.model.DoesNotExist):
                self.message_user(request, "没有这条已删除的记录。", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, "；".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request, f"“{record}”已恢复（附件 {record.restored_attachments} 个）。", messages.SUCCESS
                )
                return redirect("admin:disclosures_disclosurerecord_change", record.pk)
            return redirect("admin:disclosures_disclosurerecord_deleted")
        return TemplateResponse(
            request,
            "admin/disclosures/disclosurerecord/deleted.html",
            {
                **self.admin_site.each_context(request),
                "title": "已删除的政府信息",
                "opts": self.model._meta,
                "deleted": selectors.records_deleted()[:200],
            },
        )


@admin.register(Page)
class PageAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "slug", "updated_at"]
    autocomplete_fields = ["office"]
