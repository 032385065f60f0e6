"""Uploads that cannot be stored (the media disk full, read-only or unmounted) in the admin.

The admin saves a form and its inline formsets in one transaction, so a file that cannot be
written leaves nothing half-saved — but the OSError would reach the staff member as an error
page, and everything they typed would be gone. `UploadFailureAdminMixin` shows the form again
instead, with what was typed, and a message beside each file that could not be kept (a file
input cannot be filled in again: the browser asks for it anew).

Use it on a ModelAdmin whose form or inlines take files."""

import logging
from contextlib import nullcontext

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

MESSAGE = "文件未能保存：服务器的附件存储暂时无法写入（{reason}）。本次提交未保存任何内容，已填写的内容已保留；请稍后重新选择文件并提交，或联系系统管理员。"
REASONS = {28: "存储空间已满", 30: "存储为只读", 13: "没有写入权限"}  # ENOSPC, EROFS, EACCES


class UploadFailed(Exception):
    """Storing a file failed while the admin saved (raised inside its transaction)."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _removing_saved_files_on(errors):
    """The files saved meanwhile are removed on `errors` (core.storage.MediaStorage; another
    storage keeps them)."""
    removing = getattr(default_storage, "removing_on", None)
    return removing(errors) if removing else nullcontext()


def _message(error):
    return MESSAGE.format(reason=REASONS.get(error.errno, "存储出错"))


def _refusing_files(form_class, message):
    """`form_class` whose bound forms carry `message` on each file field given a file (or,
    with none, on the form)."""

    class RefusingFiles(form_class):
        def clean(self):
            cleaned = super().clean()
            fields = [
                n
                for n, f in self.fields.items()
                if isinstance(f, forms.FileField) and self.files.get(self.add_prefix(n))
            ]
            for name in fields:
                self.add_error(name, message)
            if not fields and not self.prefix:
                raise forms.ValidationError(message)
            return cleaned

    RefusingFiles.__name__ = form_class.__name__
    return RefusingFiles


class UploadFailureAdminMixin:
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        queued = messages.get_messages(request)
        before = len(queued._queued_messages)
        try:
            with _removing_saved_files_on(UploadFailed):
                return super().changeform_view(request, object_id, form_url, extra_context)
        except UploadFailed as failure:
            # The admin's transaction has been rolled back: nothing of this submission is kept,
            # so neither is what it said it did ("已发布").
            del queued._queued_messages[before:]
            logger.error("an upload could not be stored (%s): %s", request.path, failure.error)
            request.upload_failure = _message(failure.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        message = getattr(request, "upload_failure", None)
        return _refusing_files(form, message) if message else form

    def get_formsets_with_inlines(self, request, obj=None):
        message = getattr(request, "upload_failure", None)
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if message:
                formset = type(formset.__name__, (formset,), {"form": _refusing_files(formset.form, message)})
            yield formset, inline

    def save_model(self, request, obj, form, change):
        try:
            super().save_model(request, obj, form, change)
        except OSError as error:
            raise UploadFailed(error) from error

    def save_related(self, request, form, formsets, change):
        try:
            super().save_related(request, form, formsets, change)
        except OSError as error:
            raise UploadFailed(error) from error
