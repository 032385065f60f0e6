"""The staff screens: upload, map the columns, dry-run, run (each run handed to the command;
IMPORTS_BACKGROUND=False in tests runs it in the request), the per-row report, checking flags,
and publishing held back until they are checked."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from disclosures.models import DisclosureRecord
from disclosures.services import record_submit
from imports.models import Flag, ImportBatch
from tests.staff import sign_in_staff

from .conftest import fixture_bytes
from .test_xlsx import office_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, importer):
    return sign_in_staff(client, importer)


def upload(client, name, data, **extra):
    return client.post(
        "/admin/imports/importbatch/add/",
        {"file": SimpleUploadedFile(name, data), "source_system": "官渡区旧站", "old_site": "", **extra},
    )


def test_upload_map_dry_run_run_and_check(vocab, staff_client):
    response = upload(staff_client, "目录.xlsx", office_workbook())
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/admin/imports/importbatch/{batch.pk}/mapping/"
    page = staff_client.get(response["Location"])
    assert page.status_code == 200 and "备注" in page.content.decode()
    form = page.context["form"]
    data = {name: form.fields[name].initial or "" for _, name in form.columns}
    response = staff_client.post(f"/admin/imports/importbatch/{batch.pk}/mapping/", data)
    assert response.status_code == 302
    start = f"/admin/imports/importbatch/{batch.pk}/start/"
    # The real run needs a dry run of the current mapping first.
    staff_client.post(start, {"action": "run"})
    assert not DisclosureRecord.objects.exists()
    staff_client.post(start, {"action": "dry_run"})
    page = staff_client.get(f"/admin/imports/importbatch/{batch.pk}/change/")
    text = page.content.decode()
    assert "已试运行" in text and "关于下达2022年社区工作经费的通知" in text and "新建" in text
    staff_client.post(start, {"action": "run"})
    assert DisclosureRecord.objects.count() == 2
    page = staff_client.get(f"/admin/imports/importbatch/{batch.pk}/change/?run=real&action=create")
    assert page.status_code == 200 and page.context["page"].paginator.count == 2
    assert 'id="batch-progress" max="2" value="2"' in page.content.decode()


def test_a_file_that_cannot_be_read_is_refused_beside_the_field(vocab, staff_client):
    response = upload(staff_client, "records.csv", bytes(range(0x80, 0xFF)) * 40)
    assert response.status_code == 200
    assert "编码无法识别" in str(response.context["form"].errors["file"])
    assert response.context["form"]["source_system"].value() == "官渡区旧站"  # what was typed stays
    assert not ImportBatch.objects.exists()


def test_flags_are_checked_one_by_one_and_review_waits_for_them(vocab, staff_client, importer):
    upload(staff_client, "records.csv", fixture_bytes("records_gb18030.csv"))
    batch = ImportBatch.objects.get()
    start = f"/admin/imports/importbatch/{batch.pk}/start/"
    staff_client.post(start, {"action": "dry_run"})
    staff_client.post(start, {"action": "run"})
    record = DisclosureRecord.objects.get(index_number="015117762-202110-000106")
    # It cannot go to review (nor be published) while flags are open.
    with pytest.raises(ValidationError, match="2 处可能丢失的字符未核对"):
        record_submit(record=record, user=importer)
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.DRAFT

    review = f"/admin/imports/flag/review/?batch={batch.pk}"
    page = staff_client.get(review)
    assert page.status_code == 200 and "<mark>600</mark>" in page.content.decode()
    unit = Flag.objects.get(imported__record=record, kind="unit")
    # An edit with nothing typed: the page says so beside the flag, nothing is changed.
    response = staff_client.post(review, {"flag": unit.pk, "action": "edit", "text": ""})
    assert response.status_code == 400 and "请填写正确的文字" in response.content.decode()
    response = staff_client.post(review, {"flag": unit.pk, "action": "edit", "text": "600元"})
    assert response.status_code == 302
    bracket = Flag.objects.get(imported__record=record, kind="bracket")
    staff_client.post(review, {"flag": bracket.pk, "action": "accept", "text": ""})
    record.refresh_from_db()
    assert record.document_number == "官办通〔2020〕26号" and "每月补贴600元。" in record.body
    record_submit(record=record, user=importer)
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.PENDING


def test_rollback_from_the_admin(vocab, staff_client):
    upload(staff_client, "records.csv", fixture_bytes("records_gb18030.csv"))
    batch = ImportBatch.objects.get()
    start = f"/admin/imports/importbatch/{batch.pk}/start/"
    staff_client.post(start, {"action": "dry_run"})
    staff_client.post(start, {"action": "run"})
    staff_client.post(start, {"action": "rollback"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK and not DisclosureRecord.objects.exists()


def test_entry_clerks_cannot_start_runs(vocab, client, django_user_model, importer):
    from django.contrib.auth.models import Group

    upload(sign_in_staff(client, importer), "records.csv", fixture_bytes("records_gb18030.csv"))
    batch = ImportBatch.objects.get()
    clerk = django_user_model.objects.create_user("clerk", password="Cl3rk-Passw0rd!", is_staff=True)
    clerk.groups.add(Group.objects.get(name="录入员"))
    client.logout()
    sign_in_staff(client, clerk)
    response = client.post(f"/admin/imports/importbatch/{batch.pk}/start/", {"action": "dry_run"})
    assert response.status_code in (302, 403, 404)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY


def test_a_batch_address_that_is_not_a_number_is_a_404(vocab, staff_client):
    assert staff_client.get("/admin/imports/importbatch/abc/change/").status_code == 404
    assert staff_client.get("/admin/imports/importbatch/99999/change/").status_code == 404


def test_a_batch_or_flag_number_that_is_no_number_is_ignored(vocab, staff_client):
    # "²" passes str.isdigit() but int() refuses it: these answered 500.
    assert staff_client.get("/admin/imports/flag/review/", {"batch": "²"}).status_code == 200
    assert staff_client.get("/admin/imports/flag/", {"batch": "²"}).status_code == 200
    assert staff_client.post("/admin/imports/flag/review/", {"flag": "²", "action": "x"}).status_code == 400


def test_upload_and_mapping_errors_are_named_beside_their_fields_and_above(vocab, staff_client):
    response = upload(staff_client, "目录.xlsx", office_workbook(), source_system="")
    html = response.content.decode()
    assert response.status_code == 200 and 'class="errornote" role="alert"' in html
    assert '<a href="#id_source_system">来源系统</a>' in html and "重新选择文件" in html
    # Each help text has the id its field's aria-describedby names.
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        for id_ in described.split():
            assert f'id="{id_}"' in html, id_

    upload(staff_client, "目录.xlsx", office_workbook())
    batch = ImportBatch.objects.get()
    form = staff_client.get(f"/admin/imports/importbatch/{batch.pk}/mapping/").context["form"]
    (first, first_name), (second, second_name) = form.columns[:2]
    data = {name: form.fields[name].initial or "" for _, name in form.columns}
    data[first_name] = data[second_name] = "title"
    response = staff_client.post(f"/admin/imports/importbatch/{batch.pk}/mapping/", data)
    errors = response.context["form"].errors
    assert "同一个字段" in errors[first_name][0] and "同一个字段" in errors[second_name][0]


def test_a_file_over_the_limit_is_refused_beside_the_file_field_naming_the_limit(vocab, staff_client, monkeypatch):
    """The limit is one a web request can read (about six times the file in memory, to count its
    rows), said before the upload in the field's hint and beside the field after it."""
    from imports import forms

    assert "每个文件不超过 256 MB" in staff_client.get("/admin/imports/importbatch/add/").content.decode()
    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 1024**2)
    response = upload(staff_client, "big.csv", b"a" * (1024**2 + 1))
    assert response.status_code == 200
    assert "文件有 1.1 MB，超过 1 MB：请分成几个批次导入。" in response.content.decode()
    assert not ImportBatch.objects.exists()
