"""Attachments are served only through the access check: a public record's files download
(under make run too), with unguessable names and safe headers; a draft's, scheduled,
withdrawn or deleted record's files are 404 for readers, and behind nginx the app hands the
sending over with X-Accel-Redirect."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from disclosures import services
from disclosures.models import AgencyMembership, Attachment, DisclosureRecord
from tests.disclosures.factories import PublishedRecordFactory, RecordFactory
from tests.pdfs import PDF
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def attach(record, title="附件一"):
    return Attachment.objects.create(record=record, title=title, file=ContentFile(PDF, name="原件名称.pdf"))


def test_a_public_records_attachment_downloads_with_safe_headers(client):
    attachment = attach(PublishedRecordFactory())
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Disposition"].startswith("attachment;") and "filename" in response["Content-Disposition"]
    # The stored name says nothing of the file and cannot be guessed from the title or the date.
    assert "原件名称" not in attachment.file.name and len(attachment.file.name.split("/")[-1]) >= 36


def test_the_record_page_and_the_api_link_the_checked_address(client):
    record = PublishedRecordFactory()
    attachment = attach(record)
    assert attachment.get_absolute_url() in client.get(record.get_absolute_url()).content.decode()
    detail = client.get(f"/api/v1/records/{record.index_number}").json()
    assert detail["attachments"][0]["url"].endswith(attachment.get_absolute_url())
    assert "/media/" not in client.get(record.get_absolute_url()).content.decode()


@pytest.mark.parametrize("state", ["draft", "scheduled", "withdrawn", "deleted"])
def test_unpublished_records_files_are_not_served(client, admin_user, state):
    record = (
        RecordFactory()
        if state == "draft"
        else PublishedRecordFactory(
            published_at=timezone.now() + dt.timedelta(days=3) if state == "scheduled" else timezone.now()
        )
    )
    attachment = attach(record)
    url = attachment.get_absolute_url()
    if state == "withdrawn":
        assert client.get(url).status_code == 200
        services.record_withdraw(record=record, user=admin_user, reason="测试撤回")
    if state == "deleted":
        record.delete()
    assert client.get(url).status_code == 404
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_staff_who_may_see_records_preview_a_drafts_attachment(client):
    attachment = attach(RecordFactory())
    clerk = User.objects.create_user("clerk", password="x", is_staff=True)
    sign_in_staff(client, clerk)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    clerk.user_permissions.add(Permission.objects.get(codename="view_disclosurerecord"))
    clerk = User.objects.get(pk=clerk.pk)
    sign_in_staff(client, clerk)
    assert client.get(attachment.get_absolute_url()).status_code == 404  # not of the clerk's agency
    AgencyMembership.objects.create(user=clerk, organization=attachment.record.publisher)
    assert client.get(attachment.get_absolute_url()).status_code == 200


def test_a_drafts_attachment_needs_the_second_step_too(client):
    """A staff account with only its password (no authenticator bound yet, or not yet past the
    second step) sees no draft's file, as it sees no preview."""
    attachment = attach(RecordFactory())
    clerk = User.objects.create_user("clerk", password="pw-123456789", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_disclosurerecord"))
    AgencyMembership.objects.create(user=clerk, organization=attachment.record.publisher)
    client.force_login(clerk)  # the password step only
    assert client.get(attachment.get_absolute_url()).status_code == 404
    sign_in_staff(client, User.objects.get(pk=clerk.pk))
    assert client.get(attachment.get_absolute_url()).status_code == 200


@override_settings(ATTACHMENT_ACCEL_PREFIX="/protected-media/")
def test_behind_nginx_the_app_checks_and_nginx_sends(client):
    attachment = attach(PublishedRecordFactory())
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{attachment.file.name}"
    assert response["Content-Type"] == "application/pdf"
    draft = attach(RecordFactory())
    assert "X-Accel-Redirect" not in client.get(draft.get_absolute_url())


def test_a_missing_file_is_a_404_not_a_500(client):
    attachment = attach(PublishedRecordFactory())
    attachment.file.storage.delete(attachment.file.name)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    assert DisclosureRecord.objects.count() == 1


def test_deleted_records_are_listed_and_restored_with_their_files(client, admin_user):
    record = PublishedRecordFactory(title="误删的通知")
    kept = attach(record, "保留的附件")
    removed_earlier = attach(record, "早先删除的附件")
    removed_earlier.delete()
    index_number = record.index_number
    record.delete()
    assert kept.file.storage.exists(kept.file.name)  # kept for a restore, unreachable meanwhile
    assert client.get(kept.get_absolute_url()).status_code == 404
    sign_in_staff(client, admin_user)
    listing = client.get("/admin/disclosures/disclosurerecord/deleted/")
    assert listing.status_code == 200 and "误删的通知" in listing.content.decode()
    assert (
        "/admin/disclosures/disclosurerecord/deleted/"
        in client.get("/admin/disclosures/disclosurerecord/").content.decode()
    )
    history_id = DisclosureRecord.history.get(history_type="-").history_id
    response = client.post("/admin/disclosures/disclosurerecord/deleted/", {"history_id": history_id})
    assert response.status_code == 302
    restored = DisclosureRecord.objects.get(index_number=index_number)
    assert [a.title for a in restored.attachments.all()] == ["保留的附件"]
    client.logout()
    assert client.get(restored.attachments.get().get_absolute_url()).status_code == 200
    assert client.get(restored.get_absolute_url()).status_code == 200
    # Twice is refused with a message, never a 500; junk ids too.
    sign_in_staff(client, admin_user)
    for attempt in (history_id, "x", "999999"):
        assert client.post("/admin/disclosures/disclosurerecord/deleted/", {"history_id": attempt}).status_code == 302


def test_a_clerk_cannot_list_or_restore_deleted_records(client):
    from django.contrib.auth.models import Group

    from core.roles import ENTRY_CLERK

    clerk = User.objects.create_user("clerk2", password="x", is_staff=True)
    clerk.groups.add(Group.objects.get(name=ENTRY_CLERK))
    sign_in_staff(client, clerk)
    assert client.get("/admin/disclosures/disclosurerecord/deleted/").status_code == 403
