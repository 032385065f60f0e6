"""The admin's navigation sidebar is rendered once per thing it shows (core/templatetags/
admin_sidebar.py): the same markup as Django's, another copy for other permissions or another
current entry. The list of apps it shows is built once per permission set and generation
(core/adminsite.py)."""

import pytest
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission, User

from core import adminsite
from core.templatetags import admin_sidebar
from portal.models import SiteSettings
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_kept_sidebars():
    # Copies kept by earlier tests in this process.
    admin_sidebar._RENDERED.clear()
    adminsite._APP_LISTS.clear()


def sidebar(response):
    text = response.content.decode()
    return text[
        text.index('<nav class="sticky" id="nav-sidebar"') : text.index("</nav>", text.index('id="nav-sidebar"'))
    ]


def rendered(response):
    return [t.name for t in response.templates]


def test_the_sidebar_is_rendered_once_and_marks_the_current_page(client):
    sign_in_staff(client, User.objects.create_superuser("boss", password="pw-123456789"))
    first = client.get("/admin/disclosures/topic/")
    assert "admin/app_list.html" in rendered(first)
    again = client.get("/admin/disclosures/topic/")
    assert "admin/app_list.html" not in rendered(again)  # the kept copy
    assert sidebar(again) == sidebar(first)
    assert 'class="model-topic current-model"' in sidebar(again)
    other = client.get("/admin/disclosures/genre/")
    assert "admin/app_list.html" in rendered(other)  # another current entry: its own copy
    assert 'class="model-genre current-model"' in sidebar(other) and "model-topic current-model" not in sidebar(other)


def test_staff_with_other_permissions_get_their_own_sidebar(client):
    boss = User.objects.create_superuser("boss", password="pw-123456789")
    sign_in_staff(client, boss)
    everything = sidebar(client.get("/admin/disclosures/topic/"))
    clerk = User.objects.create_user("clerk", password="pw-123456789", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_topic"))
    sign_in_staff(client, clerk)
    narrow = sidebar(client.get("/admin/disclosures/topic/"))
    assert "/admin/disclosures/genre/" in everything and "/admin/disclosures/genre/" not in narrow
    assert 'href="/admin/disclosures/topic/"' in narrow and "/admin/disclosures/topic/add/" not in narrow


def test_the_app_list_is_built_once_per_permissions_and_content(client, monkeypatch):
    builds = []
    build = AdminSite._build_app_dict
    monkeypatch.setattr(AdminSite, "_build_app_dict", lambda site, *args: builds.append(args) or build(site, *args))
    clerk = User.objects.create_user("clerk", password="pw-123456789", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_topic", "add_sitesettings"]))
    sign_in_staff(client, clerk)
    assert "/admin/portal/sitesettings/add/" in sidebar(client.get("/admin/disclosures/topic/"))
    client.get("/admin/disclosures/topic/")
    assert len(builds) == 1  # the second page used the kept list
    clerk.user_permissions.add(Permission.objects.get(codename="view_genre"))  # other permissions
    assert "/admin/disclosures/genre/" in sidebar(client.get("/admin/disclosures/topic/"))
    SiteSettings.objects.create(site_name="某区人民政府", site_domain="example.gov.cn", site_id_code="0000000000")
    # Content changed (a new generation): the one-row 站点设置 can no longer be added.
    assert "/admin/portal/sitesettings/add/" not in sidebar(client.get("/admin/disclosures/topic/"))
    assert len(builds) == 3
