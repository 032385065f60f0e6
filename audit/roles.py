"""The 审计员 (auditor) role: reads the audit log and nothing else (三员分立: the auditor is not
an administrator). Kept in step after every migrate, like disclosures/roles.py."""

from django.contrib.auth.models import Group, Permission

AUDITOR = "审计员"


def ensure_auditor_role(**kwargs):
    permission = Permission.objects.filter(content_type__app_label="audit", codename="view_auditentry").first()
    if permission is None:  # audit's own migrations have not run yet
        return
    group, _ = Group.objects.get_or_create(name=AUDITOR)
    if list(group.permissions.all()) != [permission]:
        group.permissions.set([permission])
