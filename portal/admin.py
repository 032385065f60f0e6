from django.contrib import admin
from django.db import models

from core.concurrency import VersionedAdminMixin
from core.history_admin import HistoryAdmin
from core.kept_uploads import KeptFileInput

from .models import SiteSettings


class _CurrentPicture:
    """What the file box shows as 目前: the picture's name, linked to where pages send it (the
    storage's own /media/ address is not served)."""

    def __init__(self, value):
        self.url, self.name = value.instance.image_url(value), value.name

    def __str__(self):
        return self.name


class SiteImageInput(KeptFileInput):
    def format_value(self, value):
        if self.is_initial(value):
            return _CurrentPicture(value)
        return super().format_value(value)


@admin.register(SiteSettings)
class SiteSettingsAdmin(VersionedAdminMixin, HistoryAdmin):
    list_display = ["site_name", "site_domain", "site_id_code"]
    # An address typed without a scheme is an https one (Django 6's default, without its warning).
    # A picture chosen in a form refused for another field is kept, not chosen again.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}, models.ImageField: {"widget": SiteImageInput}}

    def has_add_permission(self, request):
        # One row only: the site has one header and footer.
        return not SiteSettings.objects.exists() and super().has_add_permission(request)
