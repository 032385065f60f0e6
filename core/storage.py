"""Storages: uploaded files (media) and static files."""

import os
import threading
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.staticmin import is_own_asset, minified


class MediaStorage(FileSystemStorage):
    """Django's file system storage, minus what a failed write leaves behind.

    A file that cannot be written whole (the disk fills up while it is written, core/uploads.py
    tells staff) stays on the disk as far as it got: nothing refers to it, and it keeps the disk
    full for the next try. It is removed. Only a file this save created, under the name it was
    written to: the name was free when the save began (Storage.save picks a free one), and when
    another upload takes that name first (two 答复书.pdf at once: reply documents keep the
    uploaded name), Django's _save writes under another one it picks (get_available_name), so
    the file under the first name is the other upload's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writing = threading.local()  # the name this thread's _save writes to now

    def get_available_name(self, name, max_length=None):
        name = super().get_available_name(name, max_length)
        if getattr(self._writing, "name", None) is not None:
            self._writing.name = name  # _save's next try, the last one free
        return name

    @contextmanager
    def removing_on(self, errors):
        """Files this thread saves in the block are removed if it raises one of `errors`: the
        database transaction that referred to them was rolled back (the admin's, when the disk
        filled up at its third attachment), so nothing refers to the first two either."""
        outer = getattr(self._writing, "saved", None)
        saved = self._writing.saved = []
        try:
            yield
        except errors:
            for name in saved:
                try:
                    self.delete(name)
                except OSError:
                    pass
            saved.clear()
            raise
        finally:
            self._writing.saved = outer
            if outer is not None:
                outer.extend(saved)

    def _save(self, name, content):
        existed = os.path.lexists(self.path(name))
        self._writing.name = name
        try:
            name = super()._save(name, content)
            if getattr(self._writing, "saved", None) is not None:
                self._writing.saved.append(name)
            return name
        except OSError:
            written = self._writing.name
            if written != name or not existed:
                try:
                    os.remove(self.path(written))
                except OSError:  # never created (a read-only disk), or already gone
                    pass
            raise
        finally:
            self._writing.name = None


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's compressed, hashed storage, with each file's URL worked out once per
    process. The manifest is read at start and never changes while a process runs, yet
    `{% static %}` looked the name up and joined the URL again on every page (a tenth of a
    record page's rendering time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def post_process(self, paths, dry_run=False, **options):
        """The site's own CSS and JavaScript minified (core.staticmin) before they are hashed and
        compressed: the hashed name is the served content's. Minifying a minified file changes
        nothing, so a collectstatic that copied nothing anew leaves them as they are."""
        if not dry_run:
            paths = dict(paths)
            for name in paths:
                if is_own_asset(name):
                    with self.open(name) as collected:
                        text = collected.read().decode("utf-8")
                    self.delete(name)
                    self._save(name, ContentFile(minified(name, text).encode("utf-8")))
                    # Hashing reads each file from where it was found: this one from here.
                    paths[name] = (self, name)
        yield from super().post_process(paths, dry_run, **options)

    def url(self, name, force=False):
        key = (name, force, settings.DEBUG)  # DEBUG serves unhashed names
        try:
            return self._urls[key]
        except KeyError:
            url = self._urls[key] = super().url(name, force)
            return url
