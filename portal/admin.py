from django.contrib import admin

from core.concurrency import VersionedAdminMixin
from core.history_admin import HistoryAdmin

from .models import SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(VersionedAdminMixin, HistoryAdmin):
    list_display = ["site_name", "site_domain", "site_id_code"]

    def has_add_permission(self, request):
        # One row only: the site has one header and footer.
        return not SiteSettings.objects.exists() and super().has_add_permission(request)
