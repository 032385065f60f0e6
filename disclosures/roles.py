"""The two staff roles of the catalogue, kept in step with the permissions after each migrate."""

from django.contrib.auth.models import Group, Permission

ENTRY_CLERK = "录入员"
REVIEWER = "审核员"

_CONTENT_MODELS = ["disclosurerecord", "attachment"]
_REFERENCE_MODELS = ["organization", "topic", "genre", "page"]


def ensure_roles(**kwargs):
    perms = Permission.objects.filter(content_type__app_label="disclosures")
    entry = {f"{action}_{model}" for model in _CONTENT_MODELS for action in ("add", "change", "view")}
    entry |= {f"view_{model}" for model in _REFERENCE_MODELS}
    reviewer = entry | {"publish_disclosurerecord", "delete_attachment"}
    reviewer |= {f"{action}_{model}" for model in _REFERENCE_MODELS for action in ("add", "change")}
    for name, codenames in ((ENTRY_CLERK, entry), (REVIEWER, reviewer)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms.filter(codename__in=codenames))
