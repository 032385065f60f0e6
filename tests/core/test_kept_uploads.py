"""A file chosen in a form that comes back with an error elsewhere is kept (core/kept_uploads.py):
the page says so, and submitting again without choosing it saves it — validated again. A
forged or expired token brings nothing back, a file the field itself refused is not kept, and
`prune_kept_uploads` deletes what is older than KEPT_UPLOAD_HOURS."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from core import kept_uploads
from core.roles import ENTRY_CLERK
from disclosures.models import DisclosureRecord
from tests.disclosures.test_admin import form_data, staff
from tests.disclosures.test_uploads import EXE, PDF
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db

ADD = "/admin/disclosures/disclosurerecord/add/"


def _kept_token(html, field):
    match = re.search(rf'<input type="hidden" name="{re.escape(field)}-kept" value="([^"]+)"', html)
    return match and match.group(1)


def _with_attachment(**overrides):
    return form_data(
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-title": "通知全文",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("关于开展社区协商工作的通知（全文）.pdf", PDF),
            **overrides,
        }
    )


@pytest.fixture
def clerk(client):
    return sign_in_staff(client, staff("clerk", ENTRY_CLERK))


def test_an_attachment_chosen_before_another_field_was_refused_is_saved_next_time(client, clerk):
    data = _with_attachment(title="")  # 标题 forgotten
    response = client.post(ADD, data)
    assert response.status_code == 200 and not DisclosureRecord.objects.exists()
    html = response.content.decode()
    token = _kept_token(html, "attachments-0-file")
    assert token, "the chosen file is kept"
    assert "已保留您上次选择的文件“关于开展社区协商工作的通知（全文）.pdf”" in html
    # Described by the message, and not `required` (the browser would ask for the file again).
    file_input = re.search(r'<input type="file" name="attachments-0-file"[^>]*>', html).group(0)
    assert "attachments-0-file_kept" in file_input and "required" not in file_input

    # The staff member fills in the title and saves, choosing nothing: the kept file is saved.
    data.pop("attachments-0-file")
    data.update({"title": "关于开展社区协商工作的通知", "attachments-0-file-kept": token})
    response = client.post(ADD, data)
    assert response.status_code == 302
    attachment = DisclosureRecord.objects.get().attachments.get()
    assert attachment.file.read() == PDF
    assert attachment.download_name.startswith("通知全文")


def test_a_file_the_field_refused_is_not_kept(client, clerk):
    response = client.post(ADD, _with_attachment(**{"attachments-0-file": SimpleUploadedFile("通知.pdf", EXE)}))
    assert response.status_code == 200
    html = response.content.decode()
    assert _kept_token(html, "attachments-0-file") is None and "已保留" not in html
    assert response.context["inline_admin_formsets"][0].formset.forms[0].errors["file"]


def test_a_forged_token_brings_nothing_back(client, clerk):
    default_storage.save("kept-uploads/someone-else/secret.pdf", SimpleUploadedFile("secret.pdf", PDF))
    forged = kept_uploads.keep(SimpleUploadedFile("mine.pdf", PDF))[:-2] + "xx"
    for token in (forged, "kept-uploads/someone-else/secret.pdf", "x" * 5000):
        data = _with_attachment(**{"attachments-0-file-kept": token})
        data.pop("attachments-0-file")
        response = client.post(ADD, data)
        assert response.status_code == 200 and not DisclosureRecord.objects.exists()
        assert response.context["inline_admin_formsets"][0].formset.forms[0].errors["file"]  # 这个字段是必填项


def test_a_kept_file_can_be_let_go(client, clerk):
    data = _with_attachment(title="")
    token = _kept_token(client.post(ADD, data).content.decode(), "attachments-0-file")
    data.pop("attachments-0-file")
    data.update({"title": "关于开展社区协商工作的通知", "attachments-0-file-kept": token})
    data["attachments-0-file-kept-drop"] = "1"
    response = client.post(ADD, data)
    assert response.status_code == 200  # the row now has no file: said beside it
    assert response.context["inline_admin_formsets"][0].formset.forms[0].errors["file"]


def test_a_kept_file_is_validated_again(client, clerk):
    """A token made for a file the field would refuse (say, kept by an older form) is no way
    around the content check."""
    token = kept_uploads.keep(SimpleUploadedFile("通知.pdf", EXE))
    data = _with_attachment(**{"attachments-0-file-kept": token})
    data.pop("attachments-0-file")
    response = client.post(ADD, data)
    assert response.status_code == 200 and not DisclosureRecord.objects.exists()
    assert response.context["inline_admin_formsets"][0].formset.forms[0].errors["file"]


def test_prune_deletes_what_is_older_than_the_limit(settings):
    settings.KEPT_UPLOAD_HOURS = 24
    token = kept_uploads.keep(SimpleUploadedFile("通知.pdf", PDF))
    assert kept_uploads.take(token) is not None
    kept_uploads.prune(now=timezone.now() + timedelta(hours=23))
    assert kept_uploads.take(token) is not None  # not yet
    assert kept_uploads.prune(now=timezone.now() + timedelta(hours=25)) >= 1
    assert kept_uploads.take(token) is None
    call_command("prune_kept_uploads")  # nothing left: no error


def test_a_word_document_chosen_for_the_body_is_kept_too(client, clerk):
    from tests.disclosures.test_word import report_docx

    data = form_data(title="", body="", body_docx=SimpleUploadedFile("报告.docx", report_docx()))
    token = _kept_token(client.post(ADD, data).content.decode(), "body_docx")
    assert token
    data.pop("body_docx")
    data.update({"title": "关于社区协商工作的报告", "body_docx-kept": token})
    response = client.post(ADD, data)
    assert response.status_code == 302
    assert "<h2>关于社区协商工作的报告</h2>" in DisclosureRecord.objects.get().body


# 84 characters, 256 bytes in UTF-8: fine on Windows (NTFS counts characters), one byte over what
# a file name may take on the server's file system.
LONG_NAME = (
    "昆明市官渡区人民政府办公室关于印发官渡区二〇二四年春季森林草原防灭火工作实施方案及各街道办事处"
    "责任分工明细表和应急值守安排的通知附件一至附件五汇编稿（征求意见后修改稿）.pdf"
)


def test_a_file_whose_name_is_longer_than_the_file_system_takes_is_kept(client, clerk, settings, tmp_path):
    assert len(LONG_NAME.encode()) > 255
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    data = _with_attachment(title="", **{"attachments-0-file": SimpleUploadedFile(LONG_NAME, PDF)})
    html = client.post(ADD, data).content.decode()
    token = _kept_token(html, "attachments-0-file")
    assert token and f"已保留您上次选择的文件“{LONG_NAME}”" in html

    data.pop("attachments-0-file")
    data.update({"title": "关于印发春季森林草原防灭火工作实施方案的通知", "attachments-0-file-kept": token})
    assert client.post(ADD, data).status_code == 302
    assert DisclosureRecord.objects.get().attachments.get().file.read() == PDF


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(LONG_NAME, id="a long title"),
        pytest.param("说明" * 200 + ".docx", id="longer still"),
        pytest.param("无扩展名" * 100, id="no extension"),
        pytest.param("a." + "扩" * 100, id="a dot, no extension"),
    ],
)
def test_the_stored_name_fits_the_file_system_keeping_the_extension_and_whole_characters(name):
    stored = kept_uploads._stored_name(name)
    assert len(stored.encode()) <= kept_uploads.STORED_NAME_BYTES and name.startswith(stored.rsplit(".", 1)[0])
    if name.endswith((".pdf", ".docx")):
        assert stored.endswith(name[name.rindex(".") :])


def test_a_file_that_could_not_be_kept_is_said_beside_its_input(client, clerk, monkeypatch):
    def full(upload):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kept_uploads, "keep", full)
    response = client.post(ADD, _with_attachment(title=""))
    html = response.content.decode()
    assert _kept_token(html, "attachments-0-file") is None and "已保留" not in html
    assert "未能保留您上次选择的文件“关于开展社区协商工作的通知（全文）.pdf”：请重新选择这个文件后再保存。" in html
    file_input = re.search(r'<input type="file" name="attachments-0-file"[^>]*>', html).group(0)
    assert "attachments-0-file_kept" in file_input  # the input is described by the message


def test_two_prunes_at_once_do_not_fail_on_what_the_other_deleted(settings, monkeypatch):
    """A prune started while another runs (cron and a hand run) listed files the other then
    deleted: FileNotFoundError, a traceback and the rest left for another day."""
    settings.KEPT_UPLOAD_HOURS = 24
    tokens = [kept_uploads.keep(SimpleUploadedFile(f"通知{n}.pdf", PDF)) for n in range(2)]
    modified = default_storage.get_modified_time

    def deleted_by_the_other_prune(path):
        default_storage.delete(path)
        return modified(path)

    monkeypatch.setattr(default_storage, "get_modified_time", deleted_by_the_other_prune)
    kept_uploads.prune(now=timezone.now() + timedelta(hours=25))
    assert all(kept_uploads.take(token) is None for token in tokens)
