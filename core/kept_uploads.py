"""Files chosen in a form that is shown again (refused for some other field) are kept.

A browser never fills a file input in again, so without this a staff member who chose three
attachments and forgot the 标题 would have to find and choose them anew — and a file not chosen
again would be lost without a word. `KeptFileInput` stores a file it re-renders in the default
storage under `kept-uploads/` (never served: media is only sent by views that check access)
and renders a signed token naming it; the next submission without a newly chosen file takes the
kept one, which the form validates again like any upload. The token names nothing else (the
path is the signer's, not the browser's) and expires after KEPT_UPLOAD_HOURS;
`manage.py prune_kept_uploads` deletes what is older.
"""

import logging
import secrets
from datetime import timedelta
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

logger = logging.getLogger(__name__)

PREFIX = "kept-uploads"
SALT = "core.kept_uploads"


def _max_age():
    return timedelta(hours=getattr(settings, "KEPT_UPLOAD_HOURS", 24))


class KeptFile(UploadedFile):
    """A kept file, read from the storage, standing in for the browser's upload."""

    def __init__(self, path, name, content_type, token):
        super().__init__(
            file=default_storage.open(path), name=name, content_type=content_type, size=default_storage.size(path)
        )
        self.kept_token = token


# File systems take a name of at most 255 bytes, and a Chinese character is three in UTF-8 (a
# 文件标题 of 85 characters is too long); room is left for what the storage may add to a name.
STORED_NAME_BYTES = 200


def _stored_name(name: str) -> str:
    """`name` cut to STORED_NAME_BYTES of UTF-8, keeping its extension and whole characters."""
    suffix = PurePosixPath(name).suffix
    if len(suffix.encode()) > 16:  # not an extension, just a dot in the name
        suffix = ""
    stem = name.removesuffix(suffix)
    return stem.encode()[: STORED_NAME_BYTES - len(suffix.encode())].decode("utf-8", "ignore") + suffix


def keep(upload) -> str:
    """Store `upload` and return the token that brings it back."""
    if isinstance(upload, KeptFile):
        return upload.kept_token
    name = PurePosixPath(str(upload.name).replace("\\", "/")).name or "file"
    upload.seek(0)
    # The stored name is ours (a random folder, the file's base name cut short); the name shown
    # and given to the form again is the one the browser sent.
    path = default_storage.save(f"{PREFIX}/{secrets.token_hex(16)}/{_stored_name(name)}", upload)
    upload.seek(0)
    return signing.dumps({"path": path, "name": name, "type": upload.content_type or ""}, salt=SALT, compress=True)


def take(token):
    """The KeptFile a token names, or None (no token, forged, expired or already pruned)."""
    if not token or len(token) > 2000:
        return None
    try:
        kept = signing.loads(token, salt=SALT, max_age=_max_age())
        path = kept["path"]
        if not path.startswith(f"{PREFIX}/") or ".." in path or not default_storage.exists(path):
            return None
        return KeptFile(path, kept["name"], kept["type"], token)
    except (signing.BadSignature, KeyError, TypeError, AttributeError, OSError):
        return None


def prune(now=None) -> int:
    """Delete kept files older than KEPT_UPLOAD_HOURS; returns how many were deleted."""
    cutoff = (now or timezone.now()) - _max_age()
    deleted = 0
    try:
        folders, _ = default_storage.listdir(PREFIX)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for folder in folders:
        # A prune running at the same time may delete what this one listed: gone is done.
        try:
            _, names = default_storage.listdir(f"{PREFIX}/{folder}")
            for name in names:
                path = f"{PREFIX}/{folder}/{name}"
                try:
                    old = default_storage.get_modified_time(path) < cutoff
                except FileNotFoundError:
                    continue
                if old:
                    default_storage.delete(path)
                    deleted += 1
            empty = not default_storage.listdir(f"{PREFIX}/{folder}")[1]
        except (FileNotFoundError, NotADirectoryError):
            continue
        if empty:
            try:
                default_storage.delete(f"{PREFIX}/{folder}")  # the empty folder (a file system's)
            except OSError:
                pass
    return deleted


class KeptFileInput(forms.ClearableFileInput):
    """A file input that keeps the chosen file when its form is shown again."""

    template_name = "core/widgets/kept_file_input.html"

    @staticmethod
    def kept_name(name):
        return f"{name}-kept"

    @staticmethod
    def drop_name(name):
        return f"{name}-kept-drop"

    def value_from_datadict(self, data, files, name):
        upload = super().value_from_datadict(data, files, name)
        if upload is None and not data.get(self.drop_name(name)):
            kept = take(data.get(self.kept_name(name)))
            if kept is not None:
                upload = kept
        # Remembered for rendering: a bound file field renders with its initial value only.
        # (A widget belongs to one form: fields and their widgets are copied per form.)
        self.chosen = {**getattr(self, "chosen", {}), name: upload}
        return upload

    def value_omitted_from_data(self, data, files, name):
        return super().value_omitted_from_data(data, files, name) and self.kept_name(name) not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = getattr(self, "chosen", {}).get(name)
        # Kept only when this field did not refuse it (Django marks a field with errors
        # aria-invalid): a refused file is chosen anew, as its message says.
        if isinstance(chosen, UploadedFile) and (attrs or {}).get("aria-invalid") != "true":
            widget = context["widget"]
            widget_id = widget["attrs"].get("id") or name
            try:
                token = keep(chosen)
            except OSError as error:  # the storage cannot take it (core.uploads says so)
                logger.error("a file to keep could not be stored: %s", error)
                # Said beside the input too: otherwise the staff member would take the file
                # as kept (others in the form are) and save the record without it.
                widget["not_kept"] = {"name": chosen.name, "id": f"{widget_id}_kept"}
                described = widget["attrs"].get("aria-describedby", "")
                widget["attrs"]["aria-describedby"] = f"{described} {widget_id}_kept".strip()
                return context
            widget["kept"] = {
                "name": chosen.name,
                "token": token,
                "field": self.kept_name(name),
                "drop": self.drop_name(name),
                "id": f"{widget_id}_kept",
            }
            # Submitting again without choosing must be possible; and the input says what it keeps.
            widget["attrs"].pop("required", None)
            described = widget["attrs"].get("aria-describedby", "")
            widget["attrs"]["aria-describedby"] = f"{described} {widget_id}_kept".strip()
        return context
