from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin_input import AdminInputMixin, fields_mapped
from core.concurrency import VersionedAdminMixin, VersionedModelForm
from core.forms import error_reasons
from core.history_admin import HistoryAdmin
from disclosures import selectors as disclosure_selectors
from disclosures.index_numbers import IndexNumberError

from . import selectors, services
from . import tables as t
from .models import AnnualReport, ReviewCase


class AnnualReportForm(VersionedModelForm):
    publish_now = forms.BooleanField(
        label="保存后发布", required=False, help_text="发布前进行勾稽校验；未通过的不能发布。"
    )
    override_reason_input = forms.CharField(
        label="未通过校验仍发布的理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="说明为何在勾稽校验未通过时仍发布，理由将随年报记录保存。",
    )

    class Meta:
        model = AnnualReport
        fields = "__all__"

    # What the form changes besides the report itself (publishing it, the version it was opened at).
    NOT_CONTENT = {"publish_now", "override_reason_input", "edit_version"}

    user = None  # set by AnnualReportAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = self.fields.get("year")
        if year is not None:
            # The model's first year, not PositiveSmallIntegerField's 0 (“−5: 确保该值大于或等于0”).
            first = AnnualReport.FIRST_YEAR
            message = f"年报从{first}年（条例施行）起编制，请核对年份。"
            year.min_value = year.widget.attrs["min"] = first
            year.validators = [
                *(v for v in year.validators if not isinstance(v, MinValueValidator)),
                MinValueValidator(first, message=message),
            ]

    def _post_clean(self):
        super()._post_clean()  # the instance now holds what was typed
        published = self.instance.pk and self.instance.status == AnnualReport.Status.PUBLISHED
        if not (published and self.is_valid_so_far() and self.cleaned_data.get("publish_now")):
            return
        # Asked before the save: a published report saved and then refused would be live, unchecked.
        reason = self.cleaned_data.get("override_reason_input", "")
        try:
            services.check_publishable(
                report=self.instance, user=self.user, override_reason=reason, reviews=self._posted_reviews()
            )
        except services.ReportChecksFailed as failed:
            self.add_error("publish_now", ["勾稽校验未通过，本次修改未保存：", *(f.message for f in failed.findings)])
        except (ValidationError, PermissionDenied) as error:
            self.add_error("publish_now", getattr(error, "messages", None) or [str(error)])

    def _posted_reviews(self):
        """表四's cases as this save would leave them (its inline, posted beside the form), for the
        check before saving to count what publishing after it counts; None while they are not
        valid (the inline says why)."""
        formset = inlineformset_factory(
            AnnualReport, ReviewCase, formset=ReviewCaseFormSet, fields=ReviewCaseInline.fields
        )(self.data, instance=self.instance, prefix="review_cases")
        if not formset.is_valid():
            return None
        kept = [form.cleaned_data for form in formset.forms if form.cleaned_data]
        return [(case["kind"], case["result"]) for case in kept if not case.get("DELETE")]

    def is_valid_so_far(self) -> bool:
        return not self._errors

    def clean(self):
        cleaned = super().clean()
        published = self.instance.pk and self.instance.status == AnnualReport.Status.PUBLISHED
        if published and set(self.changed_data) - self.NOT_CONTENT and not cleaned.get("publish_now"):
            # The public page would change at once, unchecked, and unlike its catalogue record.
            self.add_error("publish_now", "这份年报已发布：修改须勾选“保存后发布”，经勾稽校验后与目录记录一同更新。")
        return cleaned


class ReviewCaseFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        published = self.instance.pk and self.instance.status == AnnualReport.Status.PUBLISHED
        # The report's form field, posted with the formset (AnnualReportForm.clean asks the same).
        if published and self.has_changed() and not self.data.get("publish_now"):
            raise forms.ValidationError(
                "这份年报已发布：增删改表四的案件须勾选“保存后发布”，经勾稽校验后与目录记录一同更新。"
            )
        kept = [form for form in self.forms if form.has_changed() or form.instance.pk]
        kept = [form for form in kept if not self._should_delete_form(form)]
        if getattr(self.instance, "consolidated", False) and kept:
            # Table 四 of a consolidated report adds up its units' reports (selectors.review_table):
            # a case typed here would be shown back and counted nowhere.
            raise forms.ValidationError(
                "汇总年报的表四由各单位年报的案件汇总而成，这里录入的案件不会计入。"
                "请在发生案件的单位（含本级政府）的单位年报中录入，并删除这里的行。"
            )


class ReviewCaseInline(AdminInputMixin, admin.TabularInline):
    model = ReviewCase
    formset = ReviewCaseFormSet
    extra = 0
    fields = ["kind", "result", "reference"]


@admin.register(AnnualReport)
class AnnualReportAdmin(VersionedAdminMixin, HistoryAdmin):
    form = AnnualReportForm
    list_display = ["__str__", "year", "consolidated", "public_status"]
    list_filter = ["year", "status", "consolidated"]
    autocomplete_fields = ["organization"]
    inlines = [ReviewCaseInline]
    readonly_fields = ["public_status", "tables_preview", "checks", "record", "override_reason"]
    fieldsets = [
        (None, {"fields": ["organization", "year", "consolidated"]}),
        ("一、五、六（正文）", {"fields": ["overview", "problems", "other_matters"]}),
        (
            "二、主动公开：行政许可、处罚、强制和收费（规章、规范性文件由目录自动统计）",
            {
                "fields": [
                    ("licences", "licences_na"),
                    ("penalties", "penalties_na"),
                    ("enforcement", "enforcement_na"),
                    ("fees", "fees_na"),
                ]
            },
        ),
        (
            "勾稽校验与发布",
            {
                "fields": [
                    "tables_preview",
                    "checks",
                    "public_status",
                    "record",
                    "override_reason",
                    "publish_now",
                    "override_reason_input",
                ]
            },
        ),
    ]

    def get_changeform_initial_data(self, request):
        # A report is written in the year after the one it reports on (Art. 49: by 31 January).
        return {"year": timezone.localdate().year - 1, **super().get_changeform_initial_data(request)}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm(services.PUBLISH_PERMISSION):
            return fieldsets
        # A 录入员 or 初审 reviewer cannot publish: not offered what would be refused.
        publishing = {"publish_now", "override_reason_input"}
        return [
            (name, {**options, "fields": fields_mapped(options["fields"], lambda f: None if f in publishing else f)})
            for name, options in fieldsets
        ]

    def view_on_site(self, obj):
        # A draft, or a report whose record was withdrawn, has no public page (a 404).
        return obj.get_absolute_url() if selectors.report_is_public(obj) else None

    def get_deleted_objects(self, objs, request):
        """A public report is not deleted: its catalogue record (the whole report) would stay
        public, linking to a page gone. Listed as what stands in the way, for the single and
        the bulk delete alike."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        public = [report for report in objs if selectors.report_is_public(report)]
        protected = [
            *protected,
            *(
                f"“{report}”已公开：请先在信息公开目录中撤回它的公开记录（索引号 {report.record.index_number}），再删除。"
                for report in public
            ),
        ]
        return deleted, counts, perms_needed, protected

    @staticmethod
    def _is_public(report):
        # Read with the list (get_queryset); a history version's object is made from its row.
        return report.is_public if hasattr(report, "is_public") else selectors.report_is_public(report)

    @admin.display(description="状态")
    def public_status(self, obj):
        if obj.status == AnnualReport.Status.PUBLISHED and not self._is_public(obj):
            return "已发布，目录记录已撤回（未公开）"
        return obj.get_status_display()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    # Row-level scoping as for records: staff see and act on their agencies' reports only.
    def get_queryset(self, request):
        # Whether each is public, read with the list (public_status), not a query a row.
        return selectors.with_public(selectors.reports_for_staff(request.user).select_related("organization"))

    def _in_scope(self, request, obj):
        return obj is None or disclosure_selectors.can_manage_organization(request.user, obj.organization_id)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj) and self._in_scope(request, obj)
        if allowed and obj is not None and obj.status == AnnualReport.Status.PUBLISHED:
            return request.user.has_perm(services.PUBLISH_PERMISSION)
        return allowed

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = disclosure_selectors.agencies_of(request.user)
            kwargs["error_messages"] = {"invalid_choice": "只能选择您所在的机构。"}
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="勾稽校验")
    def checks(self, obj):
        if obj is None or obj.pk is None:
            return "保存后显示。"
        findings = selectors.report_findings(obj, selectors.report_tables(obj, now=True))
        if not findings:
            return "全部通过。"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((f.message,) for f in findings)))

    @admin.display(description="表格预览（二、三、四，按现有数据统计；已发布的年报在“保存后发布”后更新）")
    def tables_preview(self, obj):
        # What 保存后发布 would publish, to check before pressing it (the public page shows a
        # published report's tables as they were published).
        if obj is None or obj.pk is None:
            return "保存后显示。"
        sheets = t.sheets(selectors.report_tables(obj, now=True))
        return render_to_string("admin/annualreports/tables_preview.html", {"sheets": sheets})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the 表四 cases are saved: publishing counts them.
        if form.cleaned_data.get("publish_now"):
            self._publish(request, form.instance, form.cleaned_data.get("override_reason_input", ""))

    def _publish(self, request, report, override_reason=""):
        try:
            result = services.report_publish(report=report, user=request.user, override_reason=override_reason)
        except services.ReportChecksFailed as failed:
            self.message_user(request, f"“{report}”未发布：勾稽校验未通过。", messages.ERROR)
            for finding in failed.findings:
                self.message_user(request, finding.message, messages.ERROR)
            return
        except PermissionDenied as denied:
            self.message_user(request, f"“{report}”未发布：{denied}", messages.ERROR)
            return
        except (ValidationError, IndexNumberError) as error:
            self.message_user(request, f"“{report}”未发布：{error_reasons(error)}", messages.ERROR)
            return
        note = "（未通过勾稽校验，已记录理由）" if result.findings else ""
        self.message_user(request, f"“{report}”已发布{note}，索引号 {result.record.index_number}。", messages.SUCCESS)

    @admin.action(description="发布所选年报（须通过勾稽校验）", permissions=["publish"])
    def publish_selected(self, request, queryset):
        for report in queryset:
            self._publish(request, report)

    actions = ["publish_selected"]

    def has_publish_permission(self, request):
        return request.user.has_perm(services.PUBLISH_PERMISSION)
