"""The user admin's 签发绑定验证码 action: an enrolment code for an account that has no
authenticator yet (no e-mail address, or the owner at the counter), shown once to the
administrator, who hands it over in person. And the sign-in libraries' admins as staff read
them: in Chinese, and without the logs this site does not keep."""

from axes.admin import AccessAttemptAdmin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import EnrolmentCode


@admin.action(description="签发绑定验证码（首次绑定身份验证器用）", permissions=["change"])
def issue_enrolment_code(modeladmin, request, queryset):
    issued, bound, refused = [], [], []
    for user in queryset.order_by("pk"):
        if user.is_superuser and not request.user.is_superuser:
            refused.append(user.get_username())
        elif not services.enrolment_code_needed(user):
            bound.append(user.get_username())
        else:
            code, expires = services.enrolment_code_issue(
                user=user, channel=EnrolmentCode.Channel.ADMIN, actor=request.user, request=request
            )
            issued.append({"username": user.get_username(), "code": code, "expires": expires})
    if bound:
        modeladmin.message_user(
            request,
            f"未签发：{'、'.join(bound)} 已绑定身份验证器。遗失手机时，先在“身份验证器”和“恢复码”中删除该账号的"
            "身份验证器和恢复码组，再签发绑定验证码。",
            messages.WARNING,
        )
    if refused:
        modeladmin.message_user(
            request, f"超级用户的绑定验证码只能由超级用户签发：{'、'.join(refused)}。", messages.ERROR
        )
    if not issued:
        return None
    response = TemplateResponse(
        request,
        "admin/security/enrolment_codes.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "绑定验证码",
            "opts": modeladmin.model._meta,
            "issued": issued,
            "hours": int(services.ENROLMENT_CODE_LIFETIME[EnrolmentCode.Channel.ADMIN].total_seconds() // 3600),
        },
    )
    add_never_cache_headers(response)  # shown once: not left in the browser's cache
    return response


def _reregister(model, **attributes):
    """`model`'s admin as registered (by an app listed before this one), with `attributes`
    added or replaced."""
    base = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (base,), {"__module__": __name__, **attributes}))


_User = get_user_model()
if _User in admin.site._registry:
    _reregister(_User, actions=[*(type(admin.site._registry[_User]).actions or []), issue_enrolment_code])


def _fieldsets_translated(self, request, obj=None):
    # django-otp titles its fieldsets with plain English strings; the catalog has them.
    fieldsets = super(type(self), self).get_fieldsets(request, obj)
    return [(gettext(title) if title else title, options) for title, options in fieldsets]


def _attempt_status(self, obj):
    return AccessAttemptAdmin.status(self, obj)


for _device in (TOTPDevice, StaticDevice):
    if _device in admin.site._registry:
        # django-otp writes its search box's help in English, naming the fields it searches.
        _reregister(_device, get_fieldsets=_fieldsets_translated, search_help_text="按账号的用户名或电子邮件地址查找。")
if AccessAttempt in admin.site._registry:
    # axes names the column by its method name.
    _reregister(AccessAttempt, status=admin.display(description="状态")(_attempt_status))
# Logs this site does not keep (AXES_DISABLE_ACCESS_LOG; sign-ins and failures are in the
# audit log) would only be empty pages in the menu.
for _log, _kept in (
    (AccessLog, not axes_settings.AXES_DISABLE_ACCESS_LOG),
    (AccessFailureLog, axes_settings.AXES_ENABLE_ACCESS_FAILURE_LOG),
):
    if not _kept and _log in admin.site._registry:
        admin.site.unregister(_log)
