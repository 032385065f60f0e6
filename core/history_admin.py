"""The admin's history pages for every model django-simple-history keeps: read-only."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import IntegrityError
from django.http import Http404
from django.utils.html import strip_tags
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .admin_input import AdminInputMixin
from .concurrency import shown_value
from .http import digits_value


class ReadableChanges(HistoricalRecordContextHelper):
    """The history list's 改动 as the change page reads them: a choice's label, not its code
    (“draft → published”), a rich text's words, not its markup, dates as notices write them."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        if getattr(field, "holds_sanitized_html", False):
            return " ".join(strip_tags(value or "").split()) or "（空）"
        return shown_value(field, value)


class HistoryAdmin(AdminInputMixin, SimpleHistoryAdmin):
    """simple-history's admin, its history to read and never to revert. A revert saves an old
    version through the change form, past the services that guard a change (review before
    publishing, 撤回 with a reason, a case's state machine): a 录入员 turned a published record
    back into a draft. The library saves a POSTed old version even with its button hidden
    (SIMPLE_HISTORY_REVERT_DISABLED), hence the refusal here. A version id that is not a
    number, or an object id that is not one, is a 404 (the library's lookups raised a 500).

    The history pages show what the change page shows, so they keep its scope: an object the
    admin's `get_queryset` leaves out (another agency's draft reply) is a 404 here too — the
    library reads the history table directly and showed every version of it. A deleted
    object's history is shown while `deleted_history_visible` allows it (a scoped admin
    narrows it, or checks the old version in `has_view_permission`)."""

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            # The library's page prints a change without a reason as “None”.
            record.history_change_reason = record.history_change_reason or ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Two staff saving the same unique values at once (a 体裁, a proposal's number, an
        agency's 年报 of a year): the second's write met the first's row, a 500 with what was
        typed gone. Its transaction rolled back, the form is run once more: its uniqueness
        check now sees the committed row and says so beside the field, everything kept. Once:
        a constraint no form checks still fails as it did."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            uploads = [upload for _, files in request.FILES.lists() for upload in files]
            # A large upload's temporary file was moved into the storage by the first run.
            moved = any(isinstance(upload, TemporaryUploadedFile) for upload in uploads)
            if request.method != "POST" or moved or getattr(request, "_form_run_again", False):
                raise
            request._form_run_again = True
            for upload in uploads:
                upload.seek(0)
            return self.changeform_view(request, object_id, form_url, extra_context)

    def _known_id(self, object_id):
        try:
            self.model._meta.pk.to_python(object_id)
        except (ValidationError, ValueError):
            raise Http404("没有这条记录。") from None

    def deleted_history_visible(self, request) -> bool:
        return True

    def _history_in_scope(self, request, object_id):
        if self.get_queryset(request).filter(pk=object_id).exists():
            return
        if self.model._default_manager.filter(pk=object_id).exists() or not self.deleted_history_visible(request):
            raise Http404("没有这条记录。")

    def history_view(self, request, object_id, extra_context=None):
        self._known_id(object_id)
        self._history_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._known_id(object_id)
        self._history_in_scope(request, object_id)
        if digits_value(str(version_id), max_digits=18) is None:
            raise Http404("没有这个历史版本。")
        if request.method == "POST":
            raise PermissionDenied("历史版本只能查看；要恢复其中的内容，请在编辑页面修改后保存。")
        return super().history_form_view(request, object_id, version_id, extra_context)
