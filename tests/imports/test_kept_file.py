"""The file of a new import batch is kept when the form comes back for another field
(core/kept_uploads.py): submitting again without choosing it creates the batch from it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportBatch
from tests.core.test_kept_uploads import _kept_token
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


def test_an_import_file_is_kept_when_the_source_is_missing(client, importer):
    sign_in_staff(client, importer)
    csv = "标题,发布日期\n关于保留上传文件的通知,2024-01-02\n".encode()
    response = client.post(
        "/admin/imports/importbatch/add/", {"file": SimpleUploadedFile("目录.csv", csv), "source_system": ""}
    )
    assert response.status_code == 200 and not ImportBatch.objects.exists()
    token = _kept_token(response.content.decode(), "file")
    assert token
    response = client.post("/admin/imports/importbatch/add/", {"file-kept": token, "source_system": "官渡区旧站"})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.file_name == "目录.csv" and batch.file.read() == csv
