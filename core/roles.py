"""The staff roles, kept in step with the permissions after every migrate: 录入员 (entry clerk),
审核员 (reviewer: reference lists, publish and withdraw) and one group per review stage of 三审
(初审, 复审, 终审; ADR 0051). Apps register their models and review permissions here, so the
roles cover them without this module importing any app."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

ENTRY_CLERK = "录入员"
REVIEWER = "审核员"
# Review stage -> group. A stage group may edit what it reviews and decide its stage; the 终审
# group also has what 审核员 has (withdrawing, reference lists), since its approval publishes.
REVIEW_GROUPS = {"first": "初审审核员", "second": "复审审核员", "final": "终审审核员"}

# app_label -> (content models staff enter, reference lists only reviewers change, extra reviewer codenames)
_registry = {}
# app_label -> {stage: [codenames]}
_review_registry = {}


def register_role_models(app_label, *, content, reference=(), reviewer_extra=(), review_stages=None):
    _registry[app_label] = (list(content), list(reference), list(reviewer_extra))
    if review_stages:
        _review_registry[app_label] = {stage: list(codenames) for stage, codenames in review_stages.items()}


def role_codenames():
    """{group name: {(app_label, codename), …}}."""
    entry, reviewer = set(), set()
    for app, (content, reference, extra) in _registry.items():
        entry |= {(app, f"{action}_{model}") for model in content for action in ("add", "change", "view")}
        entry |= {(app, f"view_{model}") for model in reference}
        reviewer |= {(app, f"{action}_{model}") for model in reference for action in ("add", "change")}
        reviewer |= {(app, codename) for codename in extra}
    roles = {ENTRY_CLERK: entry, REVIEWER: entry | reviewer}
    for stage, group in REVIEW_GROUPS.items():
        own = {(app, codename) for app, stages in _review_registry.items() for codename in stages.get(stage, ())}
        roles[group] = entry | own | (reviewer if stage == "final" else set())
    return roles


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
