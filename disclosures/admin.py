from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core.admin_input import AdminInputMixin
from core.changelists import (
    CachedRelatedFieldListFilter,
    LargeTableAdminMixin,
    is_autocomplete,
    walk_index_for,
    year_filter,
)
from core.concurrency import VersionedAdminMixin
from core.forms import error_reasons
from core.history_admin import HistoryAdmin
from core.kept_uploads import KeptFileInput
from core.uploads import UploadFailureAdminMixin

from . import selectors, services
from .forms import DisclosureRecordAdminForm
from .index_numbers import IndexNumberError
from .models import AgencyMembership, Attachment, DisclosureRecord, Genre, Organization, Page, Topic

PUBLISH_PERMISSION = "disclosures.publish_disclosurerecord"


class AgencyScopedHistoryMixin:
    """For an admin whose get_queryset keeps to the staff member's agencies: a deleted object's
    history (which no longer says whose it was to that queryset) is for district-wide staff."""

    def deleted_history_visible(self, request):
        return selectors.manages_all_agencies(request.user)


class DistrictWideAdminMixin:
    """Structures of the whole platform (the guide and policy pages, the column tree, who belongs to
    which agency, the reference lists every agency shares: topics, genres, 告知书模板, indicators,
    assemblies, reply categories): every staff member with the permission may look, only district-wide staff may
    add, change or delete — else an agency's staff could widen their own scope or rewrite the
    district's pages. Checked by the admin's views themselves, not only hidden from menus."""

    def _district_wide(self, request):
        return selectors.manages_all_agencies(request.user)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self._district_wide(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._district_wide(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._district_wide(request)


class OwnAgencyRowAdminMixin(DistrictWideAdminMixin):
    """One agency's row (its details, its 依申请公开 desk): district-wide staff add, delete and
    change any; an agency's own staff change their agency's, except `district_fields`, and no
    one else's. `agency_field` names the attribute holding the row's Organization id."""

    agency_field = "pk"
    district_fields = []

    def has_change_permission(self, request, obj=None):
        allowed = super(DistrictWideAdminMixin, self).has_change_permission(request, obj)
        if not allowed or self._district_wide(request):
            return allowed
        agencies = selectors.agencies_of(request.user)
        return agencies.filter(pk=getattr(obj, self.agency_field)).exists() if obj is not None else agencies.exists()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self._district_wide(request):
            readonly += self.district_fields
        return readonly


@admin.register(Organization)
class OrganizationAdmin(OwnAgencyRowAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "short_name", "section_code", "org_code", "credit_code", "parent"]
    search_fields = ["name", "short_name", "org_code", "credit_code", "section_code"]
    autocomplete_fields = ["parent"]

    # An agency's own staff keep its details (named in its 指南) up to date. Where it stands in
    # the district (上级机构), the codes its 索引号 and 专栏 are made of, and how many reviews
    # its records pass: the district decides them, not the agency.
    district_fields = ["parent", "org_code", "credit_code", "section_code", "review_levels"]


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["user", "organization"]
    list_filter = ["organization"]
    search_fields = ["user__username", "user__first_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Topic)
class TopicAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "is_national", "position"]
    list_filter = ["is_national"]
    search_fields = ["name"]


@admin.register(Genre)
class GenreAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "is_official_document", "position"]
    list_filter = ["is_official_document"]
    search_fields = ["name"]


class _StoredAttachment:
    """What the file box shows as 目前: the name, linked to the access-checked download (the
    storage's own /media/ address is not served)."""

    def __init__(self, value):
        self.url, self.name = value.instance.get_absolute_url(), value.instance.download_name

    def __str__(self):
        return self.name


class AttachmentFileInput(KeptFileInput):
    def format_value(self, value):
        if self.is_initial(value) and getattr(value.instance, "pk", None):
            return _StoredAttachment(value)
        return super().format_value(value)


class AttachmentInline(AdminInputMixin, admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["title", "file", "position"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "file":
            # Stored under a generated name: the name on the staff member's disk may be as long
            # as a 公文's title (the 100-character limit of a stored path does not apply to it).
            kwargs.update(widget=AttachmentFileInput, max_length=None)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class OwnAgencyFilter(CachedRelatedFieldListFilter):
    """发布机构: the staff member's own agencies only (all of them district-wide), by name."""

    def choices_key(self, field, request, model_admin):
        scope = "all" if selectors.manages_all_agencies(request.user) else f"user-{request.user.pk}"
        return f"own-agencies:{scope}"

    def read_choices(self, field, request, model_admin):
        return selectors.agencies_of(request.user).order_by("name").values_list("pk", "name")


@admin.register(DisclosureRecord)
class DisclosureRecordAdmin(UploadFailureAdminMixin, LargeTableAdminMixin, VersionedAdminMixin, HistoryAdmin):
    form = DisclosureRecordAdminForm
    list_display = ["title", "index_number", "document_number", "publisher", "status", "published_at", "view_count"]
    list_select_related = ["publisher"]
    list_defer = ["body", "summary", "withheld_reason", "keywords"]
    # Each filter reads an index (see the model's Meta.indexes); no facet counts (LargeTableAdminMixin).
    list_filter = [
        "status",
        year_filter("published_at", "发布年份"),
        "validity",
        "disclosure_mode",
        "topic",
        "genre",
        ("publisher", OwnAgencyFilter),
    ]
    # Searched by records_admin_search (get_search_results); listed so the search box shows.
    search_fields = ["index_number", "document_number", "title"]
    search_help_text = "输入完整的索引号或文号精确查找；其他词语在名称和文号中查找（至少两个字）。"
    # Orders an index can give without sorting the whole table.
    sortable_by = ["index_number", "published_at"]
    autocomplete_fields = ["publisher", "drafting_org", "topic", "genre", "superseded_by", "interprets"]
    inlines = [AttachmentInline]
    actions = ["publish_selected", "withdraw_selected"]
    fieldsets = [
        (None, {"fields": ["title", "publisher", "drafting_org", "document_number", "written_date", "published_at"]}),
        ("分类", {"fields": ["topic", "genre", "interprets", "keywords", "summary"]}),
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
        ("正文", {"fields": ["body", "body_docx"]}),
        ("状态", {"fields": ["status", "index_number", "view_count"]}),
    ]

    # Row-level scoping: staff see and act on their agencies' records only (district-wide
    # staff on all). Every admin URL of a record (change, delete, history, a history version)
    # asks one of these, and the services check again.
    def get_queryset(self, request):
        return selectors.scoped_to_agencies(super().get_queryset(request), request.user)

    def get_search_results(self, request, queryset, search_term):
        found = selectors.records_admin_search(queryset, search_term)
        if found.note and not is_autocomplete(request):
            self.message_user(request, found.note, messages.WARNING)
        if found.walk:
            walk_index_for(request)
        return found.queryset, False

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
        if db_field.name in self.RECORD_LINKS:
            kwargs["queryset"] = selectors.records_linkable(request.user)
            kwargs["error_messages"] = {
                "invalid_choice": f"只能选择本机构的记录或已公开的记录作为{self.RECORD_LINKS[db_field.name]}。"
            }
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Links to another record: its agency's records or public ones (selectors.records_linkable).
    RECORD_LINKS = {"superseded_by": "替代文件", "interprets": "解读对象"}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name in self.RECORD_LINKS:
            linked = form.base_fields.get(name)
            saved = getattr(obj, f"{name}_id", None)
            if linked is not None and saved:
                # The link already saved (district-wide staff may have chosen a record not yet
                # public) stays, rather than being emptied when the agency next saves the record;
                # a record the staff member may not see is shown without its title.
                hidden = not linked.queryset.filter(pk=saved).exists()
                linked.queryset = linked.queryset | DisclosureRecord.objects.filter(pk=saved)
                if hidden:
                    linked.label_from_instance = lambda record, hidden_pk=saved: (
                        "（其他机构尚未公开的记录）" if record.pk == hidden_pk else str(record)
                    )
        return form

    def get_readonly_fields(self, request, obj=None):
        # The status changes only through the review services (提交审核, 审核, 撤回), each one
        # audited; a 索引号 once set never changes.
        readonly = ["view_count", "status"]
        if obj is None or obj.index_number:
            readonly += ["index_number"]
        return readonly

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj) and self._in_scope(request, obj)
        if allowed and obj is not None and obj.status == DisclosureRecord.Status.PENDING:
            # Under review: the reviewers of the level it awaits may correct it, its drafters wait.
            return selectors.can_review_record(request.user, obj)
        if allowed and obj is not None and obj.status != DisclosureRecord.Status.DRAFT:
            return request.user.has_perm(PUBLISH_PERMISSION)
        return allowed

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm(PUBLISH_PERMISSION):
            actions.pop("publish_selected", None)
            actions.pop("withdraw_selected", None)
        return actions

    # Review (三审): the buttons below the change form save what was typed, then submit,
    # approve or return it (disclosures.services checks scope and permission); the page shows
    # the review trail and the preview links (templates/admin/disclosures/disclosurerecord/change_form.html).

    REVIEW_ACTIONS = {"submit": "提交审核", "approve": "审核通过", "return": "退回修改"}
    typed_beside_the_form = {"review_comment": "审核意见"}

    def save_model(self, request, obj, form, change):
        # A review decision on an unchanged form adds no empty version to the history.
        if change and request.POST.get("_review") and not form.has_changed():
            return
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("body_docx"):
            self._import_docx(request, obj, form.cleaned_data["body_docx"])

    def _import_docx(self, request, record, document):
        notes = services.record_import_docx(record=record, document=document, user=request.user)
        record.imported_docx = True
        self.message_user(request, f"已从 Word 文档导入正文（图片 {len(document.images)} 张）。", messages.SUCCESS)
        for note in notes:
            self.message_user(request, note, messages.WARNING)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["review"] = self._review_context(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _review_context(self, request, record):
        user = request.user
        if record is None:
            return {"can_submit": user.has_perm("disclosures.change_disclosurerecord"), "trail": []}
        context = {
            "can_submit": selectors.can_submit_record(user, record),
            "can_review": selectors.can_review_record(user, record),
            "stage": record.review_stage_label,
            "is_final": record.review_stage == "final",
            "trail": selectors.review_trail(record=record),
            "preview_url": reverse("disclosures:record_preview", args=[record.pk]),
        }
        if not record.is_public and record.status != DisclosureRecord.Status.WITHDRAWN:
            query = urlencode({"token": selectors.preview_token(record)})
            context["preview_link"] = request.build_absolute_uri(f"{context['preview_url']}?{query}")
            context["preview_link_expires"] = timezone.now() + selectors.preview_link_lifetime()
        return context

    # After a Word import the record stays open: its images may still need their alt text.
    def response_add(self, request, obj, post_url_continue=None):
        if request.POST.get("_review") in self.REVIEW_ACTIONS:
            return self._review(request, obj)
        if getattr(obj, "imported_docx", False):
            return redirect("admin:disclosures_disclosurerecord_change", obj.pk)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if request.POST.get("_review") in self.REVIEW_ACTIONS:
            return self._review(request, obj)
        if getattr(obj, "imported_docx", False):
            return redirect("admin:disclosures_disclosurerecord_change", obj.pk)
        return super().response_change(request, obj)

    def _review(self, request, record):
        """After the edit is saved: the review step the button asked for. A refusal is shown
        beside the record, whose edit is kept."""
        action, comment = request.POST["_review"], request.POST.get("review_comment", "")
        try:
            if action == "submit":
                record = services.record_submit(record=record, user=request.user, comment=comment)
                done = f"“{record}”已保存并提交{record.review_stage_label}。"
            elif action == "return":
                stage = record.review_stage_label
                record = services.record_return(record=record, user=request.user, comment=comment)
                done = f"“{record}”{stage}退回修改，已回到草稿。"
            else:
                stage = record.review_stage_label
                result = services.record_approve(record=record, user=request.user, comment=comment)
                record = result.record
                done = f"“{record}”{stage}通过，" + (
                    self._published_text(record)
                    if record.status == DisclosureRecord.Status.PUBLISHED
                    else f"转{record.review_stage_label}。"
                )
                for warning in result.warnings:
                    self.message_user(request, warning, messages.WARNING)
        except (PermissionDenied, ValidationError, IndexNumberError) as error:
            kept = f"（您填写的意见：{comment.strip()}）" if comment.strip() else ""
            self.message_user(
                request,
                f"“{record}”已保存，但未能{self.REVIEW_ACTIONS[action]}：{error_reasons(error)}{kept}",
                messages.ERROR,
            )
        else:
            self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:disclosures_disclosurerecord_change", record.pk)

    @staticmethod
    def _published_text(record):
        when = timezone.localtime(record.published_at)
        verb = "已发布" if record.is_public else f"将于 {when:%Y-%m-%d %H:%M} 定时发布"
        return f"{verb}，索引号 {record.index_number}。"

    @admin.action(description="重新发布所选的已撤回记录", permissions=["publish"])
    def publish_selected(self, request, queryset):
        # Drafts are published by their 终审 (on the change page); this is for withdrawn records.
        for record in queryset.select_related("publisher"):
            try:
                result = services.record_republish(record=record, user=request.user)
            except (PermissionDenied, ValidationError, IndexNumberError) as error:
                self.message_user(request, f"“{record}”未发布：{error_reasons(error)}", messages.ERROR)
                continue
            self.message_user(request, f"“{record}”{self._published_text(result.record)}", messages.SUCCESS)
            for warning in result.warnings:
                self.message_user(request, warning, messages.WARNING)

    @admin.action(description="撤回所选记录", permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        withdrawn = 0
        for record in queryset:
            try:
                services.record_withdraw(record=record, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    f"“{record}”未撤回：{error_reasons(error)}",
                    messages.ERROR,
                )
            else:
                withdrawn += 1
        self.message_user(request, f"已撤回 {withdrawn} 条记录。", messages.SUCCESS if withdrawn else messages.WARNING)

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
            except (ValueError, DisclosureRecord.history.model.DoesNotExist, PermissionDenied):
                # Another agency's record: answered as a missing one, so ids tell nothing.
                self.message_user(request, "没有这条已删除的记录。", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, "；".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request, f"“{record}”已恢复（附件 {record.restored_attachments} 个）。", messages.SUCCESS
                )
                for note in record.restore_notes:
                    self.message_user(request, note, messages.WARNING)
                return redirect("admin:disclosures_disclosurerecord_change", record.pk)
            return redirect("admin:disclosures_disclosurerecord_deleted")
        return TemplateResponse(
            request,
            "admin/disclosures/disclosurerecord/deleted.html",
            {
                **self.admin_site.each_context(request),
                "title": "已删除的政府信息",
                "opts": self.model._meta,
                "deleted": selectors.records_deleted(user=request.user)[:200],
            },
        )


@admin.register(Page)
class PageAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["title", "slug", "updated_at"]
    autocomplete_fields = ["office"]
