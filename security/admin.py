"""The user admin's 签发绑定验证码 action: an enrolment code for an account that has no
authenticator yet (no e-mail address, or the owner at the counter), shown once to the
administrator, who hands it over in person."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

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
            f"未签发：{'、'.join(bound)} 已绑定身份验证器。遗失手机时，先在 OTP_TOTP 和 OTP_Static 中删除该账号的"
            "身份验证器和恢复码，再签发绑定验证码。",
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


def _with_enrolment_action():
    """The user admin as it is registered (django.contrib.auth's, listed before this app), with
    the action added."""
    User = get_user_model()
    registered = admin.site._registry.get(User)
    if registered is None:
        return
    base = type(registered)
    admin.site.unregister(User)
    admin.site.register(
        User,
        type("UserAdmin", (base,), {"actions": [*(base.actions or []), issue_enrolment_code], "__module__": __name__}),
    )


_with_enrolment_action()
