"""Sign-ins, sign-outs and every change to who may do what, into the audit log."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.signals import post_create_historical_record

from core.current import current_request, current_user

from .models import Action
from .services import attempted_name, audit_log

# Records whose deletion and restoration are audited (publish and withdraw go through services).
RECORD_MODELS = {"disclosures.disclosurerecord", "proposals.proposal", "proposals.reply"}
_PRIVILEGE_FIELDS = {"is_staff": "工作人员", "is_superuser": "超级用户", "is_active": "有效"}


def on_login(sender, request, user, **kwargs):
    audit_log(user, Action.LOGIN, user, "密码验证通过", request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Never the password `credentials` also holds, nor one typed as the username.
    name = attempted_name(request, credentials) or ""
    audit_log(None, Action.LOGIN_FAILED, detail="用户名或密码错误", request=request, succeeded=False, actor_name=name)


def on_logout(sender, request, user, **kwargs):
    if user is not None and not getattr(request, "audit_logout_recorded", False):
        audit_log(user, Action.LOGOUT, user, request=request)


def on_membership_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    verbs = {"post_add": "增加", "post_remove": "移除", "pre_clear": "清空"}
    if action not in verbs:
        return
    if action == "pre_clear":  # name what is there before it goes
        links = {field.related_model: field.name for field in sender._meta.get_fields() if field.many_to_one}
        linked = sender._default_manager.filter(**{links[type(instance)]: instance}).values(f"{links[model]}_id")
        related = model._default_manager.filter(pk__in=linked)
    else:
        related = model._default_manager.filter(pk__in=pk_set or ())
    names = sorted(str(item) for item in related)
    if names:
        detail = f"{verbs[action]}{model._meta.verbose_name}：{'、'.join(names)}"
        audit_log(current_user(), Action.PERMISSION_CHANGE, instance, detail[:500], request=current_request())


def remember_privileges(sender, instance, update_fields=None, **kwargs):
    # Not for saves that cannot touch them (the last_login update at every sign-in).
    if instance.pk and (update_fields is None or set(update_fields) & set(_PRIVILEGE_FIELDS)):
        instance._audit_before = sender._default_manager.filter(pk=instance.pk).values(*_PRIVILEGE_FIELDS).first()


def on_user_saved(sender, instance, created, **kwargs):
    before = getattr(instance, "_audit_before", None) or {}
    if created:
        changes = [
            f"{label}：是"
            for field, label in _PRIVILEGE_FIELDS.items()
            if field != "is_active" and getattr(instance, field)
        ]
        changes.insert(0, "新建账号")  # every account, privileged or not yet
    else:
        changes = [
            f"{label}：{'是' if getattr(instance, field) else '否'}"
            for field, label in _PRIVILEGE_FIELDS.items()
            if field in before and before[field] != getattr(instance, field)
        ]
    instance._audit_before = None
    if changes:
        audit_log(current_user(), Action.PERMISSION_CHANGE, instance, "；".join(changes), request=current_request())


def on_history_row(sender, instance, history_instance, **kwargs):
    """A record deleted (any path: admin, action, shell) or brought back from its history."""
    if instance._meta.label_lower not in RECORD_MODELS:
        return
    if history_instance.history_type == "-":
        action = Action.DELETE
    elif (
        history_instance.history_type == "+"
        and type(history_instance)
        .objects.filter(**{instance._meta.pk.attname: instance.pk, "history_type": "-"})
        .exists()
    ):
        action = Action.RESTORE
    else:
        return
    audit_log(
        history_instance.history_user,
        action,
        instance,
        history_instance.history_change_reason or "",
        request=current_request(),
    )


def on_authenticator_deleted(sender, instance, **kwargs):
    """An administrator resetting a lost phone, or a user replacing it by enrolling again."""
    if instance.confirmed:
        audit_log(current_user(), Action.OTP_REMOVED, instance.user, instance.name, request=current_request())


def connect():
    User = get_user_model()
    user_logged_in.connect(on_login, dispatch_uid="audit.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="audit.logout")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(on_membership_changed, sender=through, dispatch_uid=f"audit.m2m.{through._meta.label}")
    pre_save.connect(remember_privileges, sender=User, dispatch_uid="audit.user_pre_save")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="audit.user_post_save")
    post_create_historical_record.connect(on_history_row, dispatch_uid="audit.history")
    post_delete.connect(on_authenticator_deleted, sender=TOTPDevice, dispatch_uid="audit.totp_deleted")
