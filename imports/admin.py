"""Staff screens: upload a batch, map its columns, dry-run, run, roll back (runs go to a
background process: the page shows their progress), check flagged characters, and keep the
table of old addresses."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin_input import AdminInputMixin
from core.forms import error_reasons
from core.http import digits_value, numbered_page
from disclosures import selectors as disclosure_selectors

from . import selectors, services
from .forms import BatchForm, FlagForm, MappingForm
from .models import Flag, ImportBatch, LegacyRedirect, RowResult

RESULTS_PER_PAGE = 100
FLAGS_PER_PAGE = 30


class BatchFilter(admin.SimpleListFilter):
    """导入批次: the staff member's own batches (all, district-wide), newest first, read from the
    batches table (Django's related-only filter reads every row of the listed table to find them)."""

    title = "导入批次"
    parameter_name = "batch"
    fields = ("batch",)

    def lookups(self, request, model_admin):
        return [(batch.pk, str(batch)) for batch in selectors.batches_for(request.user).order_by("-pk")[:50]]

    def queryset(self, request, queryset):
        value = self.value() or ""
        pk = digits_value(value, max_digits=18)
        if pk is None:
            return queryset
        condition = Q()
        for name in self.fields:
            condition |= Q(**{f"{name}_id": pk})
        return queryset.filter(condition)


class FlagBatchFilter(BatchFilter):
    fields = ("batch", "imported__batch")


@admin.register(ImportBatch)
class ImportBatchAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "progress", "created_by", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["file_name", "source_system"]

    @admin.display(description="进度")
    def progress(self, obj):
        return f"{obj.rows_done:,}/{obj.rows_total:,}"

    def get_queryset(self, request):
        return selectors.batches_for(request.user).select_related("created_by")

    def has_delete_permission(self, request, obj=None):
        # A batch goes by being rolled back; only then may its report be deleted.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == ImportBatch.Status.ROLLED_BACK)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/mapping/", wrap(self.mapping_view), name="imports_importbatch_mapping"),
            path("<int:pk>/start/", wrap(self.start_view), name="imports_importbatch_start"),
            *super().get_urls(),
        ]

    def _batch(self, request, pk):
        if not str(pk).isdigit() or len(str(pk)) > 18:
            raise Http404("没有这个导入批次。")
        batch = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        return batch

    def _context(self, request, batch, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "batch": batch,
            **extra,
        }

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BatchForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.batch_create(
                    user=request.user,
                    name=upload.name,
                    data=upload.read(),
                    source_system=form.cleaned_data["source_system"],
                    old_site=form.cleaned_data["old_site"],
                    default_publisher=form.cleaned_data["default_publisher"],
                    default_topic=form.cleaned_data["default_topic"],
                )
            except ValidationError as error:
                for field, errors in (
                    error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
                ):
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                if batch.status == ImportBatch.Status.NEEDS_MAPPING:
                    self.message_user(request, "有的列无法自动对应，请确认列对应关系。", messages.WARNING)
                    return redirect("admin:imports_importbatch_mapping", batch.pk)
                return redirect("admin:imports_importbatch_change", batch.pk)
        context = self._context(request, None, "新建导入批次", form=form)
        return TemplateResponse(request, "admin/imports/importbatch/add.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self._batch(request, object_id)
        dry_run = request.GET.get("run") != "real" and batch.status not in (
            ImportBatch.Status.DONE,
            ImportBatch.Status.ROLLED_BACK,
        )
        if request.GET.get("run") == "dry":
            dry_run = True
        action = request.GET.get("action", "")
        if action not in RowResult.Action.values:
            action = ""
        results = selectors.batch_results(batch=batch, dry_run=dry_run, action=action)
        context = self._context(
            request,
            batch,
            str(batch),
            showing_dry_run=dry_run,
            showing_action=action,
            actions=[(v, label, batch.report.get("counts", {}).get(v, 0)) for v, label in RowResult.Action.choices],
            flag_counts=selectors.batch_flag_counts(batch=batch),
            can_run=request.user.has_perm(services.RUN),
            can_rollback=request.user.has_perm(services.ROLLBACK),
            stalled=batch.is_running and services.stalled(batch),
            **numbered_page(request, results, RESULTS_PER_PAGE),
        )
        return TemplateResponse(request, "admin/imports/importbatch/detail.html", context)

    def mapping_view(self, request, pk):
        batch = self._batch(request, pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MappingForm(request.POST or None, batch=batch, user=request.user)
        if request.method == "POST" and form.is_valid():
            columns, values = form.mapping()
            try:
                services.batch_set_mapping(batch=batch, user=request.user, columns=columns, values=values)
            except ValidationError as error:
                # Said beside each column it names, and once above the table.
                for header, name in form.columns:
                    for message in error.messages:
                        if f"“{header}”" in message:
                            form.add_error(name, message)
                form.add_error(None, error)
            else:
                self.message_user(request, "对应关系已保存，请试运行。", messages.SUCCESS)
                return redirect("admin:imports_importbatch_change", batch.pk)
        context = self._context(request, batch, f"列与取值对应：{batch}", form=form)
        return TemplateResponse(request, "admin/imports/importbatch/mapping.html", context)

    def start_view(self, request, pk):
        batch = self._batch(request, pk)
        if request.method != "POST":
            return redirect("admin:imports_importbatch_change", batch.pk)
        action = request.POST.get("action")
        if action not in services.RUNNING_STATUS:
            raise PermissionDenied
        try:
            services.batch_start(batch=batch, user=request.user, action=action)
        except ValidationError as error:
            self.message_user(request, "；".join(error.messages), messages.ERROR)
        else:
            verb = {"dry_run": "试运行", "run": "正式导入", "rollback": "回滚"}[action]
            self.message_user(request, f"{verb}已在后台开始，本页显示进度。", messages.SUCCESS)
        return redirect("admin:imports_importbatch_change", batch.pk)


@admin.register(Flag)
class FlagAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ["record_title", "place_text", "found", "suggestion", "status"]
    list_filter = ["status", "kind", FlagBatchFilter]
    search_fields = ["found", "imported__record__title"]
    actions = ["accept_selected"]
    readonly_fields = [f.name for f in Flag._meta.fields]

    @admin.display(description="记录")
    def record_title(self, obj):
        url = reverse("admin:disclosures_disclosurerecord_change", args=[obj.imported.record_id])
        return format_html('<a href="{}">{}</a>', url, obj.imported.record.title)

    @admin.display(description="位置")
    def place_text(self, obj):
        return obj.place

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("imported__record")
        return disclosure_selectors.scoped_to_agencies(queryset, request.user, field="imported__record__publisher")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("review/", self.admin_site.admin_view(self.review_view), name="imports_flag_review"),
            *super().get_urls(),
        ]

    @admin.action(description="采用所选各处的建议读法", permissions=["change"])
    def accept_selected(self, request, queryset):
        accepted, failed = 0, []
        for flag in queryset.filter(status=Flag.Status.OPEN):
            try:
                services.flag_resolve(flag=flag, user=request.user, action="accept")
                accepted += 1
            except ValidationError as error:
                failed.append(f"{flag}：{'；'.join(error.messages)}")
        self.message_user(request, f"已采用 {accepted} 处建议读法。", messages.SUCCESS)
        for message in failed[:10]:
            self.message_user(request, message, messages.ERROR)

    def review_view(self, request):
        """One batch's (or all) open flags, each with its context and a small form."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        flags = (
            self.get_queryset(request)
            .filter(status=Flag.Status.OPEN)
            .order_by("imported__record_id", "field", "position")
        )
        batch = None
        pk = digits_value(request.GET.get("batch", ""), max_digits=18)
        if pk is not None:
            flags = flags.filter(imported__batch_id=pk) | flags.filter(batch_id=pk)
            # The title names the batch only to whoever may open it (its owner, district-wide staff).
            batch = selectors.batches_for(request.user).filter(pk=pk).first()
        errors, typed = {}, {}
        if request.method == "POST":
            form = FlagForm(request.POST)
            if form.is_valid():
                flag = get_object_or_404(self.get_queryset(request), pk=form.cleaned_data["flag"])
                try:
                    services.flag_resolve(
                        flag=flag, user=request.user, action=form.cleaned_data["action"], text=form.cleaned_data["text"]
                    )
                except (ValidationError, PermissionDenied) as error:
                    errors[flag.pk] = error_reasons(error)
                    typed[flag.pk] = form.cleaned_data["text"]
                else:
                    self.message_user(request, f"已核对：{flag.place}“{flag.found}”。", messages.SUCCESS)
                    return redirect(request.get_full_path())
            else:
                pk = digits_value(request.POST.get("flag", ""), max_digits=18) or 0
                errors[pk] = "请选择核对结果。"
                typed[pk] = request.POST.get("text", "")
        page = numbered_page(request, flags, FLAGS_PER_PAGE)
        rows = [
            {"flag": flag, "error": errors.get(flag.pk), "text": typed.get(flag.pk, flag.suggestion)}
            for flag in page["page"].object_list
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"核对缺字{f'：{batch}' if batch else ''}",
            "batch": batch,
            "rows": rows,
            "actions_choices": FlagForm.ACTIONS,
            **page,
        }
        return TemplateResponse(request, "admin/imports/flag/review.html", context, status=400 if errors else 200)


@admin.register(LegacyRedirect)
class LegacyRedirectAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ["old_path", "record", "target_url", "batch", "created_at"]
    search_fields = ["old_path", "target_url", "record__title", "record__index_number"]
    list_filter = [BatchFilter]
    autocomplete_fields = ["record"]
    fields = ["old_path", "record", "target_url"]

    # An agency's staff keep the old addresses of their own agencies' records; an address that
    # points elsewhere on the site (指向地址) is the district's to set.
    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("record", "batch")
        return disclosure_selectors.scoped_to_agencies(queryset, request.user, field="record__publisher")

    def get_fields(self, request, obj=None):
        if disclosure_selectors.manages_all_agencies(request.user):
            return self.fields
        return [name for name in self.fields if name != "target_url"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "record":
            kwargs["queryset"] = disclosure_selectors.records_for_staff(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
