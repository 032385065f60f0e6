from django.contrib import admin

from .history_admin import HistoryAdmin
from .models import WorkingDayOverride, WorkingDayYear


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(HistoryAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["note"]


@admin.register(WorkingDayYear)
class WorkingDayYearAdmin(HistoryAdmin):
    """Once a year's notice is entered in full: its deadlines are no longer 暂定."""

    list_display = ["year", "note"]
