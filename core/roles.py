"""The two staff roles, 录入员 (entry clerk) and 审核员 (reviewer), kept in step with the
permissions after every migrate. Apps register their models here, so the roles cover them
without this module importing any app."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

ENTRY_CLERK = "录入员"
REVIEWER = "审核员"

# app_label -> (content models staff enter, reference lists only reviewers change, extra reviewer codenames)
_registry = {}


def register_role_models(app_label, *, content, reference=(), reviewer_extra=()):
    _registry[app_label] = (list(content), list(reference), list(reviewer_extra))


def role_codenames():
    """{group name: {(app_label, codename), …}}."""
    entry, reviewer = set(), set()
    for app, (content, reference, extra) in _registry.items():
        entry |= {(app, f"{action}_{model}") for model in content for action in ("add", "change", "view")}
        entry |= {(app, f"view_{model}") for model in reference}
        reviewer |= {(app, f"{action}_{model}") for model in reference for action in ("add", "change")}
        reviewer |= {(app, codename) for codename in extra}
    return {ENTRY_CLERK: entry, REVIEWER: entry | reviewer}


def ensure_roles(**kwargs):
    # Runs after each app's post_migrate, so permissions of apps migrated later are picked up too.
    for name, pairs in role_codenames().items():
        if not pairs:
            continue
        query = Q()
        for app, codename in pairs:
            query |= Q(content_type__app_label=app, codename=codename)
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(query))
