"""The admin site, with its list of apps and models kept between requests.

Django builds that list (the sidebar's and the index page's) on every admin page by asking each
registered ModelAdmin for its module, add, change, delete and view permissions: over a hundred
permission checks and a few queries, a sixth of a changelist's time. What the answers depend on
is the staff member's permissions and the site's content (an agency's staff may change their own
Organization; the one-row 站点设置 can be added only while there is none), so the list is kept per
permission set and per generation (core.pagecache: any content change starts a new one)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from .admin_input import refuse_bad_date_parts
from .pagecache import current_state
from .pages import sign_out_page
from .text import printable

_APP_LISTS = {}
MAX_APP_LISTS = 512


class ConcreteFieldsAutocompleteView(AutocompleteJsonView):
    """Django's, refusing a field the source model only has in reverse (?field_name=children on
    the agencies): Django's view took it and failed with a 500 on a hand-made request. A term is
    searched without the hidden characters no name holds (PostgreSQL refuses a NUL: a 500)."""

    def process_request(self, request):
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if not getattr(source_field, "concrete", False):
            raise PermissionDenied
        return printable(term), model_admin, source_field, to_field_name


class PortalAdminSite(admin.AdminSite):
    @property
    def login_form(self):
        from .forms import StaffLoginForm  # imports auth's models: not at app loading

        return StaffLoginForm

    def admin_view(self, view, cacheable=False):
        return super().admin_view(refuse_bad_date_parts(view), cacheable)

    def logout(self, request, extra_context=None):
        if request.method == "GET":  # Django's answer is an empty 405
            return never_cache(sign_out_page)(request, reverse("admin:logout", current_app=self.name))
        return super().logout(request, extra_context)

    def password_change(self, request, extra_context=None):
        # Django's, with a form that counts a wrong current password as a failed sign-in.
        from django.contrib.auth.views import PasswordChangeView

        from .forms import CountedPasswordChangeForm  # imports auth's models: not at app loading

        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=CountedPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)

    def autocomplete_view(self, request):
        return ConcreteFieldsAutocompleteView.as_view(admin_site=self)(request)

    def get_app_list(self, request, app_label=None):
        user = request.user
        key = (
            current_state()["gen"],
            user.pk,
            user.is_active,
            user.is_staff,
            user.is_superuser,
            frozenset(user.get_all_permissions()),
            get_language(),
            app_label,
        )
        app_list = _APP_LISTS.get(key)
        if app_list is None:
            if len(_APP_LISTS) >= MAX_APP_LISTS:
                _APP_LISTS.clear()
            app_list = _APP_LISTS[key] = super().get_app_list(request, app_label)
        # Copies: a page may change what it is given.
        return [{**app, "models": [dict(model) for model in app["models"]]} for app in app_list]


class PortalAdminConfig(AdminConfig):
    default_site = "core.adminsite.PortalAdminSite"
