from django.contrib import admin

from core.concurrency import VersionedAdminMixin
from core.history_admin import HistoryAdmin
from disclosures.admin import DistrictWideAdminMixin

from .models import StatutoryColumn


@admin.register(StatutoryColumn)
class StatutoryColumnAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "parent", "kind", "basis", "position"]
    list_filter = ["kind", "parent"]
    search_fields = ["name", "basis"]
    autocomplete_fields = ["parent", "records"]
    filter_horizontal = ["topics", "genres"]
