"""Two staff open the same record; A saves a title, B then saves a summary from the page opened
before A's save. B's save is refused naming A and what A changed, B's input stays in the form,
and A's title survives."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client

from core.concurrency import VersionedAdminMixin
from core.roles import ENTRY_CLERK
from disclosures.models import DisclosureRecord
from tests.disclosures.test_admin import district_wide, form_data
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
CONTENT_APPS = {"disclosures", "proposals", "communities", "portal"}


def signed_in(username, full_name=""):
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True, first_name=full_name)
    user.groups.add(Group.objects.get(name=ENTRY_CLERK))
    district_wide(user)
    client = Client()
    sign_in_staff(client, user)
    return client


def opened_version(client, url):
    html = client.get(url).content.decode()
    return re.search(r'<input type="hidden" name="edit_version" value="(\d*)"', html).group(1)


def test_a_save_from_a_stale_page_is_refused_and_keeps_the_input():
    a, b = signed_in("clerk_a", "王芳"), signed_in("clerk_b")
    assert (
        a.post("/admin/disclosures/disclosurerecord/add/", form_data(title="旧标题", body="<p>正文</p>")).status_code
        == 302
    )
    record = DisclosureRecord.objects.get()
    url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
    data = form_data(title="旧标题", body="<p>正文</p>")
    data["publisher"], data["topic"], data["genre"] = record.publisher_id, record.topic_id, record.genre_id
    seen_by_a, seen_by_b = opened_version(a, url), opened_version(b, url)
    assert seen_by_a == seen_by_b != ""

    assert a.post(url, {**data, "title": "新标题", "edit_version": seen_by_a}).status_code == 302
    response = b.post(url, {**data, "summary": "B写的概述", "edit_version": seen_by_b})
    assert response.status_code == 200
    html = response.content.decode()
    assert "保存失败" in html and "王芳" in html and "名称（现为“新标题”）" in html
    assert "B写的概述" in html  # B's input is still in the form
    record.refresh_from_db()
    assert (record.title, record.summary) == ("新标题", "")

    # The re-shown form carries the current version: B checks, then saves on purpose.
    current = re.search(r'name="edit_version" value="(\d+)"', html).group(1)
    assert current != seen_by_b
    assert b.post(url, {**data, "title": "新标题", "summary": "B写的概述", "edit_version": current}).status_code == 302
    record.refresh_from_db()
    assert (record.title, record.summary) == ("新标题", "B写的概述")


def test_every_content_admin_checks_versions():
    admins = [
        model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label in CONTENT_APPS
    ]
    assert len(admins) >= 15
    missing = [type(model_admin).__name__ for model_admin in admins if not isinstance(model_admin, VersionedAdminMixin)]
    assert missing == []


def test_every_change_form_carries_its_version(client):
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
    sign_in_staff(client, User.objects.create_superuser("root", password="pw-123456789"))
    for model in admin.site._registry:
        if model._meta.app_label not in CONTENT_APPS:
            continue
        obj = model.objects.order_by("pk").first()
        if obj is None:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/"
        html = client.get(url).content.decode()
        assert 'name="edit_version"' in html, url
