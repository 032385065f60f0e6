"""A ZIP of captured pages that cannot be opened, or a page or attachment in it that cannot be
unpacked (damaged, a password, a compression method zipfile lacks), is refused in plain words
naming the ZIP and the file inside it, and what to do: never zipfile's English message. A page
that cannot be unpacked is refused in its own row; the other pages are imported."""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from disclosures.models import DisclosureRecord
from imports import services, sources
from imports.models import ImportBatch, RowResult
from tests.staff import sign_in_staff

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
PAGES = FIXTURES / "pages"
# A Python exception's name or zipfile's English says nothing to staff.
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _in_plain_words(message: str) -> bool:
    """No English but the names of formats, outside the names of files (in “”)."""
    return set(ENGLISH.findall(re.sub(r"“[^”]*”", "", message))) <= {"ZIP", "RAR"}


def _two_pages(method=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name in ("post_2024101.html", "P020240912381234567890.pdf"):
            archive.write(PAGES / "gkmlpt" / name, f"gkmlpt/{name}")
        for path in sorted((PAGES / "trs").iterdir()):
            archive.write(path, f"trs/{path.name}")
    return buffer.getvalue()


def _patched(data: bytes, member: str, *, flag: int = 0, method: int | None = None) -> bytes:
    """`data` with `member`'s local and central headers changed: a flag bit set (0x1: encrypted),
    or its compression method replaced."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member)
    local = info.header_offset
    central = data.find(b"PK\x01\x02" + data[local + 4 : local + 6])
    while data[central + 46 : central + 46 + len(member.encode())] != member.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    for at, flags_at, method_at in ((local, 6, 8), (central, 8, 10)):
        flags = int.from_bytes(data[at + flags_at : at + flags_at + 2], "little") | flag
        data[at + flags_at : at + flags_at + 2] = flags.to_bytes(2, "little")
        if method is not None:
            data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
    return bytes(data)


def _scrambled(data: bytes, member: str) -> bytes:
    """`data` with bytes in the middle of `member`'s compressed data scrambled."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 40
    return data[:start] + bytes(b ^ 0x5A for b in data[start : start + 16]) + data[start + 16 :]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Rar!\x1a\x07\x01\x00" + bytes(200), id="a rar renamed"),
        pytest.param(_two_pages()[:3000], id="truncated"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_zip_that_cannot_be_opened_is_refused_naming_it_and_what_to_do(importer, data):
    with pytest.raises(ValidationError) as refused:
        services.batch_create(user=importer, name="旧站采集.zip", data=data, source_system="区旧站")
    message = refused.value.message_dict["file"][0]
    assert message.startswith("“旧站采集.zip”无法作为 ZIP 压缩包打开") and "重新压缩后再导入" in message
    assert _in_plain_words(message), message
    assert not ImportBatch.objects.exists()


def test_the_upload_form_says_it_beside_the_file(client, importer):
    staff = sign_in_staff(client, importer)
    response = staff.post(
        "/admin/imports/importbatch/add/",
        {"file": SimpleUploadedFile("旧站采集.zip", b"Rar!\x1a\x07\x01\x00"), "source_system": "区旧站"},
    )
    assert response.status_code == 200
    assert "“旧站采集.zip”无法作为 ZIP 压缩包打开" in str(response.context["form"].errors["file"])


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        pytest.param(
            lambda: _scrambled(_two_pages(zipfile.ZIP_DEFLATED), "gkmlpt/post_2024101.html"),
            "已损坏，无法解压",
            id="damaged compressed data",
        ),
        pytest.param(
            lambda: _scrambled(_two_pages(), "gkmlpt/post_2024101.html"), "已损坏，无法解压", id="damaged stored data"
        ),
        pytest.param(
            lambda: _patched(_two_pages(), "gkmlpt/post_2024101.html", flag=0x1), "设置了密码", id="a password"
        ),
        pytest.param(
            lambda: _patched(_two_pages(), "gkmlpt/post_2024101.html", method=9),
            "使用了无法解压的压缩方式",
            id="deflate64",
        ),
    ],
)
def test_a_page_that_cannot_be_unpacked_is_refused_in_its_row_naming_the_zip_and_the_page(
    vocab, importer, damage, says
):
    batch = services.batch_create(user=importer, name="旧站采集.zip", data=damage(), source_system="区旧站")
    services.batch_execute(batch=batch, dry_run=False)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.DONE
    refused = RowResult.objects.get(batch=batch, action=RowResult.Action.REFUSE)
    message = refused.messages[0]
    assert refused.place == "gkmlpt/post_2024101.html"
    assert message.startswith(f"压缩包“旧站采集.zip”中的“gkmlpt/post_2024101.html”{says}"), message
    assert "用 ZIP 格式（不设密码）重新压缩，再导入" in message
    assert _in_plain_words(message), message
    assert DisclosureRecord.objects.filter(index_number="015117762-202305-000098").exists()  # the other page


def test_an_attachment_that_cannot_be_unpacked_is_named_as_such_not_as_missing(vocab, importer):
    data = _patched(_two_pages(), "gkmlpt/P020240912381234567890.pdf", flag=0x1)
    batch = services.batch_create(user=importer, name="旧站采集.zip", data=data, source_system="区旧站")
    services.batch_execute(batch=batch, dry_run=False)
    row = RowResult.objects.get(batch=batch, place="gkmlpt/post_2024101.html")
    assert row.action == RowResult.Action.CREATE
    assert (
        "附件“1.官渡区2025年度城乡居民医疗保险缴费标准”未导入："
        "压缩包“旧站采集.zip”中的“gkmlpt/P020240912381234567890.pdf”设置了密码，无法解压："
        "请解压后用 ZIP 格式（不设密码）重新压缩，再导入。"
    ) in row.messages


def test_a_zip_refused_as_a_whole_is_named_as_a_workbook_is(importer, monkeypatch):
    """Each refusal of a ZIP names it, as each of a workbook does: staff may upload several."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(PAGES / "gkmlpt" / "P020240912381234567890.pdf", "gkmlpt/P020240912381234567890.pdf")
    with pytest.raises(ValidationError) as refused:
        services.batch_create(user=importer, name="旧站采集.zip", data=buffer.getvalue(), source_system="区旧站")
    assert refused.value.message_dict["file"][0].startswith("压缩包“旧站采集.zip”里没有网页")
    monkeypatch.setattr(sources, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ValidationError) as refused:
        services.batch_create(user=importer, name="旧站采集.zip", data=_two_pages(), source_system="区旧站")
    assert refused.value.message_dict["file"] == [
        "压缩包“旧站采集.zip”解压后过大（超过 4 GB）：请分成几个压缩包，分批导入。"
    ]
