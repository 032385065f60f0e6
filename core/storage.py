"""Static files: whitenoise's compressed, hashed storage, with each file's URL worked out once
per process. The manifest is read at start and never changes while a process runs, yet
`{% static %}` looked the name up and joined the URL again on every page (a tenth of a
record page's rendering time)."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
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
