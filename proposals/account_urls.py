"""Sign-in for committee members. Accounts are created by staff: there is deliberately no
sign-up and no e-mailed password reset (members ask the handling office instead)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from core.forms import CountedPasswordChangeForm
from core.pages import PageMeta, sign_out_page

from .forms import MemberLoginForm


class PlainLabelsMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": ""}


class MemberLoginView(PlainLabelsMixin, auth_views.LoginView):
    authentication_form = MemberLoginForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("proposals:mine")
    extra_context = {"column": PageMeta(name="代表委员登录")}

    def get_default_redirect_url(self):
        # No staff account is a member's (the admin refuses the link): their page would say
        # 无权操作. Staff signing in here go to the admin (and its second step).
        if self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # LoginView adds the contrib.sites `site`, which would hide the portal's SiteSettings.
        context.pop("site", None)
        context.pop("site_name", None)
        return context


@method_decorator(never_cache, name="dispatch")
class MemberLogoutView(auth_views.LogoutView):
    http_method_names = [*auth_views.LogoutView.http_method_names, "get"]

    def get(self, request, *args, **kwargs):
        # Django answers an empty 405: signing out stays a POST, this page asks for it.
        return sign_out_page(request, reverse("logout"))


class MemberPasswordChangeView(PlainLabelsMixin, auth_views.PasswordChangeView):
    form_class = CountedPasswordChangeForm
    extra_context = {"column": PageMeta(name="修改密码")}


urlpatterns = [
    path("login/", MemberLoginView.as_view(), name="login"),
    path("logout/", MemberLogoutView.as_view(next_page="/"), name="logout"),
    path("password_change/", MemberPasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(extra_context={"column": PageMeta(name="修改密码")}),
        name="password_change_done",
    ),
]
