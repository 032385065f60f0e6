from django.contrib import admin
from django.contrib.admin.utils import unquote

from core.admin_input import AdminInputMixin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(AdminInputMixin, admin.ModelAdmin):
    """Read-only for everyone, superusers included: no add, change or delete (and so no actions)."""

    list_display = ["at", "actor_name", "action", "succeeded", "target_repr", "detail", "ip_address"]
    list_filter = ["action", "succeeded", "target_type"]
    search_fields = ["actor_name", "target_repr", "target_id", "detail", "ip_address"]
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False  # no COUNT over a log that grows for months

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PersonalDataAdminMixin:
    """For a ModelAdmin whose change page shows a person's private data: every opening of it
    (or of an old version in its history, which shows the data as it was) goes to the audit log.
    The history list says which of `personal_fields` changed, never from what to what (it would
    show an old and a new ID number to anyone paging through changes)."""

    personal_fields = ()

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            from .services import audit_personal_data_opened

            audit_personal_data_opened(request, self._audit_target(request, object_id), "打开历史记录列表")
        return response

    def get_historical_record_context_helper(self, request, historical_record):
        helper = super().get_historical_record_context_helper(request, historical_record)
        personal = set(self.personal_fields)

        class Masked(type(helper)):
            def stringify_delta_change_values(self, change, old, new):
                if change.field in personal:
                    return "（不显示）", "（已修改，不显示）"
                return super().stringify_delta_change_values(change, old, new)

        helper.__class__ = Masked
        return helper

    def _audit_target(self, request, object_id, version_id=None):
        """The object opened; a deleted one is named by the version shown (or its last one)."""
        target = self.get_object(request, unquote(object_id))
        if target is None:
            versions = self.model.history.filter(**{self.model._meta.pk.attname: unquote(object_id)})
            target = (versions.get(history_id=version_id) if version_id else versions.first()).instance
        return target

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and object_id:
            self._audit_opened(request, object_id, None, "打开修改页")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if response.status_code == 200:
            self._audit_opened(request, object_id, version_id, f"打开历史版本 {version_id}")
        return response

    def _audit_opened(self, request, object_id, version_id, detail):
        from .services import audit_personal_data_opened

        audit_personal_data_opened(request, self._audit_target(request, object_id, version_id), detail)
