from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from . import holiday_entry
from .dates import chinese_weekday
from .history_admin import HistoryAdmin
from .models import WorkingDayOverride, WorkingDayYear
from .working_days import Calendar


class HolidayNoticeForm(forms.Form):
    text = forms.CharField(
        label="放假安排",
        widget=forms.Textarea(attrs={"rows": 16, "cols": 60}),
        max_length=20_000,
        strip=False,  # line numbers in the messages count the lines as typed
        help_text="每行一天或一段日期：日期（或“日期 至 日期”）、放假或上班、说明。"
        f"{holiday_entry.EXAMPLE}。全部无误才保存；保存后进行中的申请按新日历重算期限。",
        error_messages={"required": "请填写放假安排。", "max_length": "内容过长，请分几次录入。"},
    )


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(HistoryAdmin):
    list_display = ["date", "weekday", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["note"]

    change_list_template = "admin/core/workingdayoverride/change_list.html"

    def get_urls(self):
        return [
            path("notice/", self.admin_site.admin_view(self.notice_view), name="core_workingdayoverride_notice"),
            *super().get_urls(),
        ]

    def notice_view(self, request):
        """A whole notice in one form (core.holiday_entry); what was typed stays on any error."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = HolidayNoticeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                days = holiday_entry.enter_notice(form.cleaned_data["text"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("text", message)
            else:
                self.message_user(
                    request,
                    f"已录入{len(days)}天的放假安排：{holiday_entry.describe(days)}。请与通知逐项核对。",
                    messages.SUCCESS,
                )
                return redirect("admin:core_workingdayoverride_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "按通知录入放假安排",
            "form": form,
        }
        return TemplateResponse(request, "admin/core/workingdayoverride/notice.html", context)

    @admin.display(description="星期")
    def weekday(self, obj):
        return chinese_weekday(obj.date)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A Saturday left unticked is a rest day anyway: the 调休上班 staff meant is not made.
        # Said as information: most such rows (a holiday's weekend, 1 October) are right.
        if Calendar().is_workday(obj.date)[0] == obj.is_workday:
            usual = "工作日" if obj.is_workday else "休息日"
            self.message_user(
                request,
                f"{obj.date:%Y-%m-%d}（{chinese_weekday(obj.date)}）本来就是{usual}，这条调整不改变任何期限。"
                f"如果这一天是{'放假日，请取消勾选' if obj.is_workday else '调休上班日，请勾选'}“工作日”。"
                # Not "leave it out": confirming the year looks for each holiday's rest days.
                + ("" if obj.is_workday else "节假日中的周末照常录入：确认全年放假安排时，据此核对每个节日都已录入。"),
                messages.INFO,
            )


@admin.register(WorkingDayYear)
class WorkingDayYearAdmin(HistoryAdmin):
    """Once a year's notice is entered in full: its deadlines are no longer 暂定."""

    list_display = ["year", "note", "rest_days", "work_days"]
    fieldsets = [
        (
            None,
            {
                "fields": ["year", "note"],
                "description": (
                    "国务院公布某年的放假安排后，先在“工作日调整”中逐日录入通知中的每个放假日（不勾选“工作日”）"
                    "和每个调休上班日（勾选），再在这里确认该年已全部录入。确认后，该年其余日期按周一至周五上班、"
                    "周六周日休息计算，期限不再标注“暂定”，进行中的申请自动重算并记入办理记录。"
                    "未确认前，该年未录入的日期暂按周一至周五（元旦、劳动节、国庆节除外）计算，期限标注“暂定”。"
                ),
            },
        )
    ]

    # The year's entered days, so staff see at a glance whether the notice is all there: counted
    # in the list's own query, not two queries a row.
    def get_queryset(self, request):
        def entered(workday):
            days = WorkingDayOverride.objects.filter(date__year=OuterRef("year"), is_workday=workday)
            return Coalesce(Subquery(days.values("date__year").annotate(n=Count("pk")).values("n")), 0)

        return super().get_queryset(request).annotate(rest_days=entered(False), work_days=entered(True))

    @admin.display(description="已录入放假日")
    def rest_days(self, obj):
        return obj.rest_days

    @admin.display(description="已录入调休上班日")
    def work_days(self, obj):
        return obj.work_days
