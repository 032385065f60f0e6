"""An uploaded .xlsx or .zip of captured pages whose central directory is too large (or whose
end record lies about it) is refused from that record, before zipfile builds ~500 bytes of
objects for each entry: in bounded memory, with the reason beside the file field."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.models import ImportBatch
from tests.staff import sign_in_staff
from tests.zips import directory_only_zip

pytestmark = pytest.mark.django_db

XLSX_REFUSED = (
    "“目录.xlsx”的内部目录过大（部件超过 10,000 个或名称过长），无法导入："
    "请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。"
)
ZIP_TOO_MANY = "压缩包“旧站采集.zip”内文件过多（60,000 个，上限 50,000）：请分成几个压缩包，分批导入。"
ZIP_TOO_LARGE = "压缩包“旧站采集.zip”的文件目录过大（超过 4 MB：文件过多或文件名过长）：请分成几个压缩包，分批导入。"

CASES = [
    pytest.param("目录.xlsx", 60_000, None, XLSX_REFUSED, id="xlsx with as many parts as it says"),
    pytest.param("目录.xlsx", 90_000, 1, XLSX_REFUSED, id="xlsx saying it has one part"),
    pytest.param("旧站采集.zip", 60_000, None, ZIP_TOO_MANY, id="pages zip with as many files as it says"),
    pytest.param("旧站采集.zip", 90_000, 1, ZIP_TOO_LARGE, id="pages zip saying it has one file"),
]


@pytest.mark.parametrize("name, count, declared, message", CASES)
def test_a_directory_too_large_is_refused_before_zipfile_reads_it(importer, name, count, declared, message):
    data = directory_only_zip(count, declared)
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) > 50_000  # zipfile reads them all
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            services.batch_create(user=importer, name=name, data=data, source_system="区旧站")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.message_dict == {"file": [message]}
    # zipfile's ~500 bytes an entry would be 30 MB or more; the end record alone is read.
    assert peak < 4 * 1024**2
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("name, count, declared, message", CASES[1::2])
def test_the_import_form_names_the_refusal_beside_the_file_and_keeps_what_was_typed(
    client, importer, name, count, declared, message
):
    staff = sign_in_staff(client, importer)
    response = staff.post(
        "/admin/imports/importbatch/add/",
        {"file": SimpleUploadedFile(name, directory_only_zip(count, declared)), "source_system": "区旧站"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["file"] == [message] and message in response.content.decode()
    assert form["source_system"].value() == "区旧站"
    assert not ImportBatch.objects.exists()
