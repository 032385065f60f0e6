"""An attachment the media storage cannot keep — its disk full, or read-only — saves nothing of
the record, and the admin shows the form again with what was typed and a message beside the
file (core/uploads.py). The storage is a real file system that fails: a tiny tmpfs filled by
the upload, or one mounted read-only (as root, which ignores permissions); otherwise a
directory without write permission."""

import errno
import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import ENTRY_CLERK
from disclosures.models import Attachment, DisclosureRecord
from govportal.settings import base as base_settings
from tests.disclosures.test_admin import form_data, staff
from tests.disclosures.test_uploads import PDF
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


def _mount(directory, options):
    return (
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], capture_output=True).returncode
        == 0
    )


@pytest.fixture(params=["full", "read-only"])
def failing_media(request, tmp_path, settings):
    """(MEDIA_ROOT that fails, the errno it fails with)."""
    media = tmp_path / "media"
    media.mkdir()
    if os.geteuid() == 0:
        options = "size=16k,mode=0777" if request.param == "full" else "ro,size=16k"
        if not _mount(media, options):
            pytest.skip("cannot mount a tmpfs here (root without CAP_SYS_ADMIN)")
        request.addfinalizer(lambda: subprocess.run(["umount", str(media)], capture_output=True))
        expected = errno.ENOSPC if request.param == "full" else errno.EROFS
    elif request.param == "read-only":
        media.chmod(0o555)
        request.addfinalizer(lambda: media.chmod(0o755))
        expected = errno.EACCES
    else:
        pytest.skip("filling a file system needs root (a tmpfs mount)")
    # The media storage the site runs with (tests otherwise keep files in memory), there.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": base_settings.STORAGES["default"]["BACKEND"], "OPTIONS": {"location": str(media)}},
    }
    return media, expected


def test_an_attachment_the_storage_cannot_keep_saves_nothing_and_keeps_what_was_typed(client, failing_media, caplog):
    media, expected = failing_media
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(
        **{
            "title": "关于存储故障演练的通知",
            "summary": "录入员已经填好的摘要。",
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-title": "演练通知全文",
            "attachments-0-position": "0",
            # Larger than the tiny file system: it fills up while the file is written.
            "attachments-0-file": SimpleUploadedFile("通知.pdf", PDF + b"%" * 64 * 1024),
        }
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 200  # the form again, not an error page
    assert not DisclosureRecord.objects.exists() and not Attachment.objects.exists()  # nothing half-saved
    reason = {errno.ENOSPC: "存储空间已满", errno.EROFS: "存储为只读", errno.EACCES: "没有写入权限"}[expected]
    errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert "文件未能保存" in errors["file"][0] and reason in errors["file"][0]  # beside the file
    html = response.content.decode()
    for typed in ("关于存储故障演练的通知", "录入员已经填好的摘要。", "官办通[2020]26号", "演练通知全文"):
        assert typed in html
    assert any("could not be stored" in r.getMessage() for r in caplog.records)  # operators hear of it
    # Nor is the part of the file written before the disk filled up: it would keep the disk full.
    assert not [path for path in media.rglob("*") if path.is_file()]

    # Once the storage works again, the same submission saves record and attachment together.
    if os.geteuid() == 0:
        subprocess.run(["umount", str(media)], check=True)
    else:
        media.chmod(0o755)
    data["attachments-0-file"] = SimpleUploadedFile("通知.pdf", PDF + b"%" * 64 * 1024)
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 302
    record = DisclosureRecord.objects.get()
    assert record.attachments.get().file.read().startswith(PDF)


@pytest.mark.parametrize("failing_media", ["full"], indirect=True)  # takes the first file, not the second
def test_the_files_saved_before_the_one_that_failed_are_removed_too(client, failing_media):
    """The admin's transaction is rolled back, so nothing refers to the attachments written
    before the one the disk could not hold: they would keep it full for the next try."""
    media, expected = failing_media
    assert expected == errno.ENOSPC
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(
        **{
            "attachments-TOTAL_FORMS": "2",
            "attachments-0-title": "附件一",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("附件一.pdf", PDF + b"%" * 1024),  # fits
            "attachments-1-title": "附件二",
            "attachments-1-position": "1",
            "attachments-1-file": SimpleUploadedFile("附件二.pdf", PDF + b"%" * 64 * 1024),  # does not
        }
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 200 and not Attachment.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]
