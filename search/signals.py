"""Keep the index in step with every write that goes through Model.save()/delete()
(admin, services, shell). Bulk writes bypass signals: `rebuild_search_index` covers them,
and load_seed's `seed_loaded` triggers a rebuild because fixture saves are raw."""

from django.db.models.signals import post_delete, post_save

from core.demo import register_demo_loader
from core.signals import seed_loaded

from . import services
from .registry import sources


def _on_save(sender, instance, raw=False, **kwargs):
    if raw:  # fixture loading: related rows may not exist yet; seed_loaded rebuilds
        return
    services.documents_sync_for(instance=instance)


def _on_delete(sender, instance, **kwargs):
    services.documents_sync_for(instance=instance, deleted=True)


def _on_seed_loaded(sender, **kwargs):
    services.index_rebuild()


def _demo_loader():
    counts = services.index_rebuild()
    return "检索索引已重建（" + "，".join(f"{key} {n}" for key, n in counts.items()) + "）"


_connected = False


def connect():
    global _connected
    if _connected:
        return
    _connected = True
    watched = set()
    for source in sources():
        watched.add(source.model)
        watched.update(source.dependencies)
    for model in watched:
        uid = f"search-index-{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}-delete")
    seed_loaded.connect(_on_seed_loaded, dispatch_uid="search-index-seed-loaded")
    # search is the last app, so this runs after every other app's demo loader.
    register_demo_loader("search", _demo_loader)
