"""No sign-in or password page moves the focus into a field when it loads: it would skip the
skip link, the header and the page's heading (WCAG 2.4.3), so keyboard and screen-reader users
would start mid-page without knowing where they are."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from core.adminsite import PortalAdminSite
from tests.security.conftest import PASSWORD
from tests.staff import authenticator, sign_in_staff

pytestmark = pytest.mark.django_db


def pages(staff_user):
    member = get_user_model().objects.create_user("member-zhao", password=PASSWORD)
    signed_in_member = Client()
    signed_in_member.force_login(member)
    enrolling = Client()  # past the password, no authenticator yet
    enrolling.force_login(staff_user)
    other_staff = get_user_model().objects.create_user("zhou-staff", password=PASSWORD, is_staff=True)
    authenticator(other_staff)
    verifying = Client()  # past the password, the authenticator's code to come
    verifying.force_login(other_staff)
    signed_in_staff = sign_in_staff(Client(), get_user_model().objects.create_superuser("wu-staff", "", PASSWORD))
    return [
        (Client(), "/accounts/login/"),
        (Client(), "/admin/login/"),
        (signed_in_member, "/accounts/password_change/"),
        (enrolling, "/accounts/2fa/setup/"),
        (verifying, "/accounts/2fa/verify/"),
        (signed_in_staff, "/admin/password_change/"),
    ]


def test_no_sign_in_or_password_page_takes_the_focus_on_load(staff_user):
    focused = []
    for client, path in pages(staff_user):
        response = client.get(path)
        # Sent back with errors too: a field must not take the focus from the error summary.
        again = client.post(path, {"token": ""})
        assert response.status_code == 200 and "errorlist" in again.content.decode(), path
        focused += [
            f"{path} {method}" for method, r in (("GET", response), ("POST", again)) if b"autofocus" in r.content
        ]
    assert focused == []


class _Autofocused(HTMLParser):
    """The elements that carry autofocus, and whether Django's change_form.js is told a model's
    name (its way of focusing an add form's first field when the page loads)."""

    def __init__(self):
        super().__init__()
        self.autofocused, self.focusing_script = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "autofocus" in attrs:
            self.autofocused.append(f"<{tag} name={attrs.get('name')}>")
        if attrs.get("id") == "django-admin-form-add-constants" and attrs.get("data-model-name"):
            self.focusing_script = True


def focus_taken(response):
    parser = _Autofocused()
    parser.feed(response.content.decode())
    return parser.autofocused + (["change_form.js with data-model-name"] if parser.focusing_script else [])


def test_no_admin_add_page_takes_the_focus_on_load():
    """Every registered ModelAdmin's add page (with its inlines' rows and empty rows), and the
    admin's own password page for a user, signed in as a superuser past the second step."""
    superuser = get_user_model().objects.create_superuser("qian-staff", "", PASSWORD)
    client = sign_in_staff(Client(), superuser)
    paths = [reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add") for model in admin.site._registry]
    paths.append(reverse("admin:auth_user_password_change", args=[superuser.pk]))
    assert isinstance(admin.site, PortalAdminSite) and len(paths) > 20
    focused, shown = [], 0
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)  # 403: adding is not for staff here
        if response.status_code == 200:
            shown += 1
            focused += [f"{path}: {what}" for what in focus_taken(response)]
        # Sent back with errors, too.
        again = client.post(path, {})
        assert again.status_code in (200, 302, 403), (path, again.status_code)
        if again.status_code == 200:
            focused += [f"{path} POST: {what}" for what in focus_taken(again)]
    assert shown > 20
    assert focused == []
