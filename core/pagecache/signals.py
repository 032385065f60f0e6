"""A save or delete of any content model starts a new generation."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .generation import _setting, invalidate

# --- invalidation on content changes ---------------------------------------------------


def _is_content_model(model) -> bool:
    meta = model._meta
    if meta.app_label not in _setting("PAGE_CACHE_APPS", []):
        return False
    if meta.model_name.startswith("historical"):
        return False
    return f"{meta.app_label}.{meta.model_name}" not in _setting("PAGE_CACHE_IGNORED_MODELS", [])


def _content_changed(sender, **kwargs):
    if not _is_content_model(sender):
        return
    # Now, and again once the transaction commits: a page rendered from the old rows
    # between the two (another request, before the commit) must not stay cached.
    invalidate()
    using = kwargs.get("using")
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(invalidate, using=using)


def connect_signals():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_content_changed, dispatch_uid=f"pagecache-{id(signal)}")
