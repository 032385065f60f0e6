"""Storages: uploaded files (media) and static files."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class MediaStorage(FileSystemStorage):
    """Django's file system storage, minus what a failed write leaves behind.

    A file that cannot be written whole (the disk fills up while it is written, core/uploads.py
    tells staff) stays on the disk as far as it got: nothing refers to it, and it keeps the disk
    full for the next try. It is removed. Only a file this save created: the name was free when
    the save began (Storage.save picks a free one; uploads are named by a random hex)."""

    def _save(self, name, content):
        path = self.path(name)
        existed = os.path.lexists(path)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed:
                try:
                    os.remove(path)
                except OSError:  # never created (a read-only disk), or already gone
                    pass
            raise


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's compressed, hashed storage, with each file's URL worked out once per
    process. The manifest is read at start and never changes while a process runs, yet
    `{% static %}` looked the name up and joined the URL again on every page (a tenth of a
    record page's rendering time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        key = (name, force, settings.DEBUG)  # DEBUG serves unhashed names
        try:
            return self._urls[key]
        except KeyError:
            url = self._urls[key] = super().url(name, force)
            return url
