from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.concurrency import VersionedAdminMixin
from disclosures.admin import DistrictWideAdminMixin

from .models import StatutoryColumn


@admin.register(StatutoryColumn)
class StatutoryColumnAdmin(DistrictWideAdminMixin, VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "parent", "kind", "basis", "position"]
    list_filter = ["kind", "parent"]
    search_fields = ["name", "basis"]
    autocomplete_fields = ["parent", "records"]
    filter_horizontal = ["topics", "genres"]
