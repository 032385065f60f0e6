"""Staff belong to agencies (公开单位): a 民政局 editor cannot open, change, delete, publish or
withdraw a 区政府 record by any admin URL or service call; district-wide staff can."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.roles import REVIEWER
from disclosures import selectors, services
from disclosures.models import AgencyMembership, DisclosureRecord
from tests.disclosures.factories import OrganizationFactory, RecordFactory
from tests.disclosures.test_admin import district_wide, form_data
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
ADMIN = "/admin/disclosures/disclosurerecord/"


@pytest.fixture
def world():
    district = OrganizationFactory(name="昆明市官渡区人民政府", org_code="015117762")
    civil = OrganizationFactory(name="昆明市官渡区民政局", parent=district)
    editor = User.objects.create_user("mzj-editor", password="pw-123456789", is_staff=True)
    editor.groups.add(Group.objects.get(name=REVIEWER))  # may publish, but only 民政局's records
    AgencyMembership.objects.create(user=editor, organization=civil)
    theirs = RecordFactory(title="区政府的草稿", publisher=district)
    theirs_public = RecordFactory(
        title="区政府已发布的通知",
        publisher=district,
        status="published",
        published_at=timezone.now(),
        index_number="015117762-202601-000001",
    )
    ours = RecordFactory(title="民政局的草稿", publisher=civil)
    return {
        "district": district,
        "civil": civil,
        "editor": editor,
        "theirs": theirs,
        "theirs_public": theirs_public,
        "ours": ours,
    }


@pytest.fixture
def editor_client(client, world):
    sign_in_staff(client, world["editor"])
    return client


def test_changelist_lists_only_the_editors_agency(editor_client):
    html = editor_client.get(ADMIN).content.decode()
    assert "民政局的草稿" in html
    assert "区政府的草稿" not in html and "区政府已发布的通知" not in html


@pytest.mark.parametrize("suffix", ["change/", "delete/"])
def test_another_agencys_record_cannot_be_opened(editor_client, world, suffix):
    for record in (world["theirs"], world["theirs_public"]):
        response = editor_client.get(f"{ADMIN}{record.pk}/{suffix}")
        assert response.status_code in (302, 403, 404)
        assert record.title not in response.content.decode()


def test_another_agencys_history_and_versions_are_refused(editor_client, world):
    record = world["theirs"]
    assert editor_client.get(f"{ADMIN}{record.pk}/history/").status_code == 404  # as if it did not exist
    version = record.history.first().history_id
    assert editor_client.get(f"{ADMIN}{record.pk}/history/{version}/").status_code == 404
    response = editor_client.post(f"{ADMIN}{record.pk}/history/{version}/", form_data(title="改写"))
    assert response.status_code in (403, 404)
    record.refresh_from_db()
    assert record.title == "区政府的草稿"


def test_another_agencys_record_cannot_be_changed_or_deleted(editor_client, world):
    record = world["theirs"]
    data = form_data(title="篡改", publisher=world["civil"].pk)
    editor_client.post(f"{ADMIN}{record.pk}/change/", data)
    editor_client.post(f"{ADMIN}{record.pk}/delete/", {"post": "yes"})
    record.refresh_from_db()
    assert record.title == "区政府的草稿" and record.publisher == world["district"]
    editor_client.post(ADMIN, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    assert DisclosureRecord.objects.filter(pk=record.pk).exists()


def test_another_agencys_record_cannot_be_published_or_withdrawn_from_the_list(editor_client, world):
    # 发布所选 no longer publishes drafts (they go through review: tests/disclosures/test_review.py).
    editor_client.post(
        ADMIN, {"action": "publish_selected", "_selected_action": [world["theirs"].pk, world["ours"].pk]}
    )
    editor_client.post(ADMIN, {"action": "withdraw_selected", "_selected_action": [world["theirs_public"].pk]})
    statuses = dict(DisclosureRecord.objects.values_list("title", "status"))
    assert statuses == {"区政府的草稿": "draft", "区政府已发布的通知": "published", "民政局的草稿": "draft"}


def test_the_editor_cannot_file_a_record_under_another_agency(editor_client, world):
    response = editor_client.post(f"{ADMIN}add/", form_data(publisher=world["district"].pk, title="冒名"))
    assert response.status_code == 200
    assert "只能选择您所在的机构作为发布机构" in response.content.decode()
    assert not DisclosureRecord.objects.filter(title="冒名").exists()
    ours = world["ours"]
    editor_client.post(
        f"{ADMIN}{ours.pk}/change/",
        {
            **form_data(title="民政局的草稿"),
            "publisher": world["district"].pk,
            "topic": ours.topic_id,
            "genre": ours.genre_id,
        },
    )
    ours.refresh_from_db()
    assert ours.publisher == world["civil"]


def test_the_publisher_box_offers_only_the_editors_agencies(editor_client, world):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "disclosures", "model_name": "disclosurerecord", "field_name": "publisher"},
    )
    names = [row["text"] for row in response.json()["results"]]
    assert names == ["昆明市官渡区民政局"]


def test_the_editor_works_on_their_own_agencys_records(editor_client, world):
    ours = world["ours"]
    assert editor_client.get(f"{ADMIN}{ours.pk}/change/").status_code == 200
    assert editor_client.get(f"{ADMIN}{ours.pk}/history/").status_code == 200


def test_services_refuse_another_agencys_record(world):
    editor = world["editor"]
    with pytest.raises(PermissionDenied):
        services.record_publish(record=world["theirs"], user=editor)
    with pytest.raises(PermissionDenied):
        services.record_withdraw(record=world["theirs_public"], user=editor)
    assert DisclosureRecord.objects.get(pk=world["theirs"].pk).status == "draft"
    assert DisclosureRecord.objects.get(pk=world["theirs_public"].pk).status == "published"
    assert services.record_publish(record=world["ours"], user=editor).record.status == "published"


def test_staff_without_an_agency_see_nothing_until_district_wide(client, world):
    lone = User.objects.create_user("lone", password="pw-123456789", is_staff=True)
    lone.groups.add(Group.objects.get(name=REVIEWER))
    assert not selectors.agencies_of(lone).exists()
    sign_in_staff(client, lone)
    html = client.get(ADMIN).content.decode()
    assert "民政局的草稿" not in html and "区政府的草稿" not in html
    with pytest.raises(PermissionDenied):
        services.record_publish(record=world["ours"], user=lone)

    district_wide(lone)
    lone = User.objects.get(pk=lone.pk)  # permissions are cached on the instance
    assert set(selectors.agencies_of(lone)) == {world["district"], world["civil"]}
    sign_in_staff(client, lone)
    html = client.get(ADMIN).content.decode()
    assert "民政局的草稿" in html and "区政府的草稿" in html
    assert client.get(f"{ADMIN}{world['theirs'].pk}/change/").status_code == 200


def test_agencies_of_the_public_and_of_superusers(world):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.agencies_of(AnonymousUser()).exists()
    reader = User.objects.create_user("reader", password="pw-123456789")
    AgencyMembership.objects.create(user=reader, organization=world["civil"])
    assert not selectors.agencies_of(reader).exists()  # not staff
    root = User.objects.create_superuser("root", password="pw-123456789")
    assert selectors.agencies_of(root).count() == 2
