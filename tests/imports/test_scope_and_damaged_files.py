"""What an exploratory tester broke in imports: another agency's record overwritten through a
shared source key, another agency's draft title named in a refusal, old-address redirects and
flag pages of other agencies, damaged or bomb-like workbooks answered with a 500, single odd
cells that stopped a whole batch or were refused for the wrong reason, and cells the admin would
refuse (a body over its length limit, a control character) imported into records staff then
could not save."""

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import Workbook

from disclosures import sanitize
from disclosures.models import AgencyMembership, DisclosureRecord, Organization
from imports import services, spreadsheets
from imports.models import ImportBatch, LegacyRedirect, RowResult
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vocabularies(vocab):
    """Every test here imports into the seed's organizations and topics."""


HEADER = "来源编号,名称,发布机构,主题分类,正文,浏览次数,发布日期\n"


def batch_of(user, text, name="rows.csv"):
    batch = services.batch_create(user=user, name=name, data=text.encode("utf-8"), source_system="区旧站")
    return services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False)


def rows(batch):
    return {r.key: r for r in RowResult.objects.filter(batch=batch, dry_run=False)}


@pytest.fixture
def civil_affairs_reviewer(vocab, django_user_model):
    user = django_user_model.objects.create_user("mzj-final", password="Mzj-Final-Passw0rd!", is_staff=True)
    user.groups.add(Group.objects.get(name="审核员"))
    AgencyMembership.objects.create(user=user, organization=Organization.objects.get(name="昆明市官渡区民政局"))
    return django_user_model.objects.get(pk=user.pk)


def test_an_agency_cannot_overwrite_another_agencys_record_through_the_same_source_key(
    importer, civil_affairs_reviewer
):
    district = batch_of(importer, HEADER + "Q1,区政府的内部草稿,昆明市官渡区人民政府,综合政务,<p>原文</p>,,\n")
    record = rows(district)["id:Q1"].record
    assert record.status == DisclosureRecord.Status.DRAFT

    batch = batch_of(civil_affairs_reviewer, HEADER + "Q1,民政局改写的标题,昆明市官渡区民政局,综合政务,<p>新文</p>,,\n")

    row = rows(batch)["id:Q1"]
    assert row.action == "refuse" and "已导入为其他机构的记录" in row.messages[0]
    assert "区政府的内部草稿" not in row.messages[0]
    record.refresh_from_db()
    assert (record.title, record.body, record.publisher.name) == (
        "区政府的内部草稿",
        "<p>原文</p>",
        "昆明市官渡区人民政府",
    )


def test_an_index_number_clash_names_the_other_record_only_to_whoever_may_see_it(importer, civil_affairs_reviewer):
    header = "来源编号,索引号,名称,发布机构,主题分类,正文\n"
    batch_of(
        importer, header + "D1,015117762-2019-000009,区政府尚未公开的草稿标题,昆明市官渡区人民政府,综合政务,<p>甲</p>\n"
    )
    text = header + "M1,015117762-2019-000009,民政局的记录,昆明市官渡区民政局,综合政务,<p>乙</p>\n"

    theirs = rows(batch_of(civil_affairs_reviewer, text, name="mzj.csv"))["id:M1"]
    assert theirs.action == "refuse" and "已被其他机构的一条记录使用" in theirs.messages[0]
    assert "草稿标题" not in theirs.messages[0]
    ours = rows(batch_of(importer, text.replace("M1", "M2"), name="district.csv"))["id:M2"]
    assert "已被另一条记录“区政府尚未公开的草稿标题”使用" in ours.messages[0]


def test_odd_cells_refuse_their_row_with_a_reason_and_the_batch_goes_on(importer):
    text = (
        HEADER
        + "A1,上标数字的浏览次数,昆明市官渡区民政局,综合政务,<p>甲</p>,²,\n"
        + "A2,全角数字的浏览次数,昆明市官渡区民政局,综合政务,<p>乙</p>,１２３,\n"
        + "A3,时区不对,昆明市官渡区民政局,综合政务,<p>丙</p>,,2018-01-03 10:00+99:99\n"
        + 'A6,正文跨行而列数不足,昆明市官渡区民政局,综合政务,"<p>第一行。</p>\n<p>第二行。</p>"\n'
        + 'A4,"引号不成对,昆明市官渡区民政局,综合政务,<p>丁</p>,,\n'
        + "A5,后面的一行,昆明市官渡区民政局,综合政务,<p>戊</p>,,\n"
    )
    batch = batch_of(importer, text)

    assert batch.status == ImportBatch.Status.DONE
    result = rows(batch)
    assert result["id:A1"].action == "refuse" and "浏览次数“²”不是整数" in result["id:A1"].messages[0]
    assert result["id:A2"].action == "create" and result["id:A2"].record.view_count == 123
    assert result["id:A3"].action == "refuse" and "时区不对" in " ".join(result["id:A3"].messages)
    assert result["id:A4"].action == "refuse" and "引号不成对" in result["id:A4"].messages[0]
    assert "第 7–8 行被读成了一行" in result["id:A4"].messages[0]
    assert result["id:A6"].action == "create"  # a cell over two lines is not an open quote


def test_a_date_typed_with_an_input_method_in_full_width_is_read(importer):
    batch = batch_of(
        importer,
        HEADER
        + "D1,全角日期,昆明市官渡区民政局,综合政务,<p>甲</p>,,２０２３－０６－１６\n"
        + "D2,全角斜线,昆明市官渡区民政局,综合政务,<p>乙</p>,,２０２３／０６／１７　０９：３０\n",
    )
    result = rows(batch)
    assert result["id:D1"].action == "create", result["id:D1"].messages
    assert result["id:D2"].action == "create", result["id:D2"].messages
    assert timezone.localtime(result["id:D1"].record.published_at).date() == dt.date(2023, 6, 16)
    assert timezone.localtime(result["id:D2"].record.published_at) == timezone.make_aware(
        dt.datetime(2023, 6, 17, 9, 30)
    )


def test_a_row_the_reader_fails_on_is_refused_alone(importer, monkeypatch, caplog):
    original = services.clean_row

    def failing(row, lookups, mapping):
        if row.values.get("source_id") == "B2":
            raise RuntimeError("reader fault")
        return original(row, lookups, mapping)

    monkeypatch.setattr(services, "clean_row", failing)
    batch = batch_of(
        importer,
        HEADER + "B1,甲,昆明市官渡区民政局,综合政务,<p>甲</p>,,\nB2,乙,昆明市官渡区民政局,综合政务,<p>乙</p>,,\n",
    )
    assert batch.status == ImportBatch.Status.DONE
    actions = sorted((r.number, r.action) for r in RowResult.objects.filter(batch=batch))
    assert actions == [(2, "create"), (3, "refuse")]
    assert "import row 3 could not be read" in caplog.text


def _workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["来源编号", "名称", "发布机构", "主题分类", "正文"])
    for i in range(40):
        ws.append([f"X{i}", f"记录{i}", "昆明市官渡区民政局", "综合政务", f"<p>{i}</p>"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rezip(data: bytes, change) -> bytes:
    """The workbook with its parts passed through `change(name, bytes)` (None drops a part)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda name, data: None if name == "xl/worksheets/sheet1.xml" else data, id="sheet missing"),
        pytest.param(lambda name, data: data[:60] if name == "xl/workbook.xml" else data, id="workbook cut"),
        pytest.param(
            lambda name, data: (
                re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data) if name == "xl/workbook.xml" else data
            ),
            id="no sheets",
        ),
    ],
)
def test_a_damaged_workbook_is_refused_beside_the_file(importer, change):
    with pytest.raises(ValidationError) as refused:
        services.batch_create(user=importer, name="目录.xlsx", data=_rezip(_workbook(), change), source_system="区旧站")
    assert "“目录.xlsx”已损坏" in refused.value.message_dict["file"][0]


OFFICE_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "office"
# A Python exception's name (KeyError, BadZipFile, zlib's error) says nothing to staff.
PYTHON_NAMES = re.compile(r"[A-Z][a-z]+[A-Z]\w*|Error|error|Exception")


def _corrupt_deflate(data: bytes) -> bytes:
    """The workbook with bytes in the middle of its sheet's compressed data scrambled: zlib,
    not zipfile, finds it out."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10
    return data[:start] + bytes(b ^ 0x5A for b in data[start : start + 8]) + data[start + 8 :]


@pytest.mark.parametrize(
    ("make", "says", "to_do"),
    [
        pytest.param(
            lambda: _rezip(_workbook(), lambda name, data: None if name == "xl/workbook.xml" else data),
            "已损坏",
            "另存为 .xlsx 或 CSV",
            id="no xl/workbook.xml",
        ),
        pytest.param(
            lambda: _rezip(_workbook(), lambda name, data: None if name == "[Content_Types].xml" else data),
            "已损坏",
            "另存为 .xlsx 或 CSV",
            id="no content types",
        ),
        pytest.param(lambda: _workbook()[:2000], "已损坏", "重新索取", id="truncated"),
        pytest.param(lambda: _corrupt_deflate(_workbook()), "已损坏", "另存为 .xlsx 或 CSV", id="compressed data"),
        pytest.param(lambda: HEADER.encode(), "不是 Excel 工作簿", "另存为 .xlsx 或 CSV", id="a csv renamed"),
        pytest.param(
            lambda: _rezip(_workbook(), lambda name, data: None if name.startswith("xl/") else data),
            "不是 Excel 工作簿",
            "另存为 .xlsx 或 CSV",
            id="a zip without a workbook",
        ),
        pytest.param(
            lambda: (OFFICE_FIXTURES / "excel97-plain.xls").read_bytes(),
            "实际是旧版 Excel（.xls）",
            "另存为 .xlsx 或 CSV",
            id="an old xls renamed",
        ),
        pytest.param(
            lambda: (OFFICE_FIXTURES / "encrypted-password-1234.xlsx").read_bytes(),
            "设置了打开密码",
            "取消打开密码后另存",
            id="encrypted",
        ),
    ],
)
def test_a_workbook_that_cannot_be_read_is_refused_in_plain_words_naming_the_file(importer, make, says, to_do):
    """What staff can act on: which file, what is wrong with it and what to do, never the
    exception the reader raised."""
    with pytest.raises(ValidationError) as refused:
        services.batch_create(user=importer, name="2025年目录.xlsx", data=make(), source_system="区旧站")
    message = refused.value.message_dict["file"][0]
    assert f"“2025年目录.xlsx”{says}" in message and to_do in message
    assert not PYTHON_NAMES.search(message), message
    assert not ImportBatch.objects.exists()


def test_a_sheet_damaged_below_its_header_keeps_the_rows_before_the_damage(importer):
    def cut(name, data):
        return data[: data.index(b'<row r="21"')] if name == "xl/worksheets/sheet1.xml" else data

    batch = services.batch_create(
        user=importer, name="目录.xlsx", data=_rezip(_workbook(), cut), source_system="区旧站"
    )
    batch = services.batch_execute(batch=batch, dry_run=True)
    assert batch.status == ImportBatch.Status.CHECKED
    results = RowResult.objects.filter(batch=batch).order_by("number")
    assert [r.action for r in results] == ["create"] * 19 + ["refuse"]
    assert results.last().number == 21 and "从这一行起文件已损坏" in results.last().messages[0]
    assert "另存为 .xlsx 或 CSV" in results.last().messages[0]
    assert not PYTHON_NAMES.search(results.last().messages[0])


def test_a_damaged_workbook_answers_the_upload_form_not_a_500(importer, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = sign_in_staff(client, importer)
    damaged = _rezip(_workbook(), lambda name, data: data[:60] if name == "xl/workbook.xml" else data)
    response = staff.post(
        "/admin/imports/importbatch/add/",
        {"file": SimpleUploadedFile("目录.xlsx", damaged), "source_system": "区旧站", "old_site": ""},
    )
    assert response.status_code == 200
    assert "“目录.xlsx”已损坏" in str(response.context["form"].errors["file"])


def test_a_workbook_that_unpacks_past_the_bound_is_refused_before_it_is_read(importer, monkeypatch):
    data = _workbook()
    unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_UNPACKED_BYTES", unpacked - 1)
    monkeypatch.setattr(spreadsheets, "_merged_ranges", lambda ws: pytest.fail("the sheet was read"))
    with pytest.raises(ValidationError) as refused:
        services.batch_create(user=importer, name="目录.xlsx", data=data, source_system="区旧站")
    assert refused.value.message_dict["file"][0].startswith("“目录.xlsx”解压后超过")
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_UNPACKED_BYTES", unpacked)
    monkeypatch.undo()
    assert services.batch_create(user=importer, name="目录.xlsx", data=data, source_system="区旧站").rows_total == 40


def test_old_addresses_and_flag_pages_are_scoped_to_the_staff_members_agencies(
    importer, civil_affairs_reviewer, client
):
    district = batch_of(
        importer,
        "来源编号,名称,发布机构,主题分类,正文,原网址\n"
        "R1,区政府草稿的标题,昆明市官渡区人民政府,综合政务,<p>甲</p>,/qzf/old1.html\n",
    )
    theirs = LegacyRedirect.objects.get(old_path="/qzf/old1.html")
    elsewhere = LegacyRedirect.objects.create(old_path="/old/news.html", target_url="/disclosures/")
    mzj = batch_of(
        civil_affairs_reviewer,
        "来源编号,名称,发布机构,主题分类,正文,原网址\n"
        "M1,民政局的记录,昆明市官渡区民政局,综合政务,<p>乙</p>,/mzj/old1.html\n",
        name="mzj.csv",
    )
    ours = LegacyRedirect.objects.get(old_path="/mzj/old1.html")
    staff = sign_in_staff(client, civil_affairs_reviewer)

    listing = staff.get("/admin/imports/legacyredirect/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "/mzj/old1.html" in text
    assert "/qzf/old1.html" not in text and "区政府草稿的标题" not in text and "/old/news.html" not in text
    for other in (theirs, elsewhere):
        assert staff.get(f"/admin/imports/legacyredirect/{other.pk}/change/").status_code == 302
        staff.post(f"/admin/imports/legacyredirect/{other.pk}/delete/", {"post": "yes"})
        assert LegacyRedirect.objects.filter(pk=other.pk).exists()
    form = staff.get(f"/admin/imports/legacyredirect/{ours.pk}/change/")
    assert "target_url" not in form.context["adminform"].form.fields
    assert list(form.context["adminform"].form.fields["record"].queryset) == list(
        DisclosureRecord.objects.filter(publisher__name="昆明市官渡区民政局")
    )

    filtered = staff.get(f"/admin/imports/legacyredirect/?batch={mzj.pk}")
    assert filtered.status_code == 200 and "/mzj/old1.html" in filtered.content.decode()
    assert str(district) not in filtered.content.decode()  # the batch filter lists own batches only
    assert staff.get(f"/admin/imports/flag/?batch={mzj.pk}").status_code == 200
    review = staff.get(f"/admin/imports/flag/review/?batch={district.pk}")
    assert review.status_code == 200 and str(district) not in review.content.decode()
    assert review.context["batch"] is None
    own = staff.get(f"/admin/imports/flag/review/?batch={mzj.pk}")
    assert own.context["batch"] == mzj


def test_a_body_over_the_admins_length_limit_refuses_its_row_in_the_dry_run_and_the_run(importer, monkeypatch):
    monkeypatch.setattr(sanitize, "RICH_TEXT_MAX_CHARACTERS", 1000)
    body = "<p>" + "长" * 1000 + "</p>"
    text = (
        HEADER
        + f"L1,超长正文,昆明市官渡区民政局,综合政务,{body},,\n"
        + "L2,正常的记录,昆明市官渡区民政局,综合政务,<p>短</p>,,\n"
    )
    batch = services.batch_create(user=importer, name="rows.csv", data=text.encode(), source_system="区旧站")
    admin_says = sanitize.rich_text_errors(DisclosureRecord(body=body), "body")["body"]
    for dry_run in (True, False):
        services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=dry_run)
        result = {r.key: r for r in RowResult.objects.filter(batch=batch, dry_run=dry_run)}
        assert result["id:L1"].action == "refuse" and result["id:L1"].messages[0] == f"正文：{admin_says}"
        assert result["id:L2"].action == "create"
    assert not DisclosureRecord.objects.filter(title="超长正文").exists()


def test_a_csv_cell_longer_than_the_csv_modules_default_is_read_and_one_over_the_body_limit_refused_alone(importer):
    long_body = "<table>" + "<tr><td>张三</td><td>低保</td></tr>" * 6_000 + "</table>"  # 200k characters
    too_long = "<p>" + "长" * (sanitize.RICH_TEXT_MAX_CHARACTERS + 1) + "</p>"
    assert 131_072 < len(long_body) <= sanitize.RICH_TEXT_MAX_CHARACTERS
    text = (
        HEADER
        + f"C1,低保名册,昆明市官渡区民政局,综合政务,{long_body},,\n"
        + f"C2,超长正文,昆明市官渡区民政局,综合政务,{too_long},,\n"
        + "C3,之后的一行,昆明市官渡区民政局,综合政务,<p>丙</p>,,\n"
    )
    result = rows(batch_of(importer, text))
    assert result["id:C1"].action == "create" and result["id:C1"].record.body.count("<td>张三</td>") == 6_000
    assert result["id:C2"].action == "refuse"
    assert result["id:C2"].messages[0].startswith(f"正文：内容过长（{len(too_long):,} 个字符，上限 500,000）")
    assert result["id:C3"].action == "create"


def test_a_csv_the_csv_module_cannot_read_is_refused_in_chinese():
    with pytest.raises(spreadsheets.SheetError) as refused:
        spreadsheets.open_sheet("来源编号,名称\rA1,甲\n".encode(), "rows.csv")
    assert "未加引号的单元格中有单独的回车符" in str(refused.value) and "new-line" not in str(refused.value)


def test_a_control_character_in_any_cell_refuses_its_row_naming_the_field_wherever_it_is_in_the_file(importer):
    header = "来源编号,名称,发布机构,主题分类,内容概述,正文\n"
    filler = "".join(f"F{i},普通记录{i},昆明市官渡区民政局,综合政务,概述,<p>{'正文内容' * 20}</p>\n" for i in range(60))
    assert len(filler.encode()) > 4096  # past the part read to tell a binary file
    text = (
        header
        + filler
        + "N1,含空字符\x00的标题,昆明市官渡区民政局,综合政务,概述,<p>甲</p>\n"
        + "N2,关于乙事项的通知,昆明市官渡区民政局,综合政务,概\x00述,<p>乙</p>\n"
        + "N3,关于丙事项的通知,昆明市官渡区民政局,综合政务,概述,<p>丙\x0b正文</p>\n"
        + "N4,关于丁事项\x0b的通知,昆明市官渡区民政局,综合政务,概述,<p>丁</p>\n"
        + "N5,关于戊事项的通知,昆明市官渡区民政局,综合政务,概述,<p>戊\x00正文</p>\n"
    )
    result = rows(batch_of(importer, text))
    assert result["id:N1"].action == "refuse"
    assert "名称含有控制字符 U+0000（不可见，在“含空字符”之后）" in result["id:N1"].messages[0]
    assert result["id:N1"].title == "含空字符的标题"  # shown, and stored, without it
    assert (
        result["id:N2"].action == "refuse"
        and "内容概述含有控制字符 U+0000（不可见，在“概”之后）" in result["id:N2"].messages[0]
    )
    # Word's line break (\x0b) and the like: refused in a title as the admin refuses it; the
    # body's sanitizer drops it, as the editor's does.
    assert result["id:N4"].action == "refuse"
    assert "名称含有控制字符 U+000B（不可见，在“关于丁事项”之后）" in result["id:N4"].messages[0]
    assert result["id:N3"].action == "create" and result["id:N5"].action == "create"
    assert DisclosureRecord.objects.get(title="关于戊事项的通知").body == "<p>戊正文</p>"
    assert result["id:F59"].action == "create"
    assert not any("\x00" in title for title in DisclosureRecord.objects.values_list("title", flat=True))


def test_another_staff_members_batch_is_neither_mapped_nor_run_through_the_services(
    civil_affairs_reviewer, django_user_model
):
    """The batch pages open only one's own batches (selectors.batches_for); the services ask too,
    since a run files the rows under the agencies of whoever made the batch."""
    other = django_user_model.objects.create_user("qzf-final", password="Qzf-Final-Passw0rd!", is_staff=True)
    other.groups.add(Group.objects.get(name="审核员"))
    AgencyMembership.objects.create(user=other, organization=Organization.objects.get(name="昆明市官渡区人民政府"))
    other = django_user_model.objects.get(pk=other.pk)
    data = (HEADER + "S1,民政局的通知,昆明市官渡区民政局,,<p>正文</p>,,\n").encode()
    batch = services.batch_create(user=civil_affairs_reviewer, name="rows.csv", data=data, source_system="区旧站")
    with pytest.raises(PermissionDenied):
        services.batch_start(batch=batch, user=other, action="dry_run")
    with pytest.raises(PermissionDenied):
        services.batch_set_mapping(batch=batch, user=other, columns={"名称": "title"}, values={})
    assert ImportBatch.objects.get(pk=batch.pk).status == batch.status
    assert services.batch_start(batch=batch, user=civil_affairs_reviewer, action="dry_run").status == "checked"
