"""A run that stops for a reason on the server's side (a database fault, the batch's file gone
from storage) tells staff in plain words what it left behind and what to do, with a reference
that finds the exception in the log for the administrator: never the exception's text."""

import logging
import re

import pytest

from disclosures.models import DisclosureRecord
from imports import services
from imports.models import ImportBatch, ImportedRecord
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db

HEADER = "来源编号,名称,发布机构,主题分类,正文\n"
ROWS = "".join(f"F{n},第{n}号通知,昆明市官渡区民政局,综合政务,<p>正文{n}</p>\n" for n in range(1, 6))
REFERENCE = re.compile(r"错误编号 (\d+-\d{6})。$")


@pytest.fixture(autouse=True)
def _vocabularies(vocab):
    """Every test here imports into the seed's organizations and topics."""


def _batch(user):
    return services.batch_create(user=user, name="目录.csv", data=(HEADER + ROWS).encode(), source_system="区旧站")


def _failing_after(monkeypatch, chunks: int):
    """Each chunk two rows; the run fails as it decides the chunk after the first `chunks`."""
    monkeypatch.setattr(services, "CHUNK", 2)
    original, calls = services._decide, []

    def decide(*args, **kwargs):
        calls.append(1)
        if len(calls) > chunks:
            raise RuntimeError('connection to server at "db" failed: FATAL: terminating connection')
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_decide", decide)


def _failed(batch, caplog):
    """The stored message, checked for what it must not say, and its reference, checked to be
    in the log line holding the exception."""
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == ImportBatch.Status.FAILED
    assert not re.search(r"[A-Za-z]{3,}", batch.error), batch.error
    reference = REFERENCE.search(batch.error)
    assert reference, batch.error
    logged = [record for record in caplog.records if reference.group(1) in record.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert logged[0].exc_info is not None  # the exception, with its traceback, for the administrator
    return batch.error


def test_a_dry_run_that_fails_says_nothing_was_written_and_to_try_again(importer, monkeypatch, caplog):
    batch = _batch(importer)
    _failing_after(monkeypatch, 1)
    with pytest.raises(RuntimeError):
        services.batch_execute(batch=batch, dry_run=True)
    message = _failed(batch, caplog)
    assert message.startswith("试运行因服务器出错而中断，没有写入任何记录：请重新试运行；")
    assert "如果再次出错，请联系系统管理员" in message


def test_a_run_that_fails_midway_says_how_many_records_it_imported_and_what_to_do(importer, monkeypatch, caplog):
    batch = _batch(importer)
    services.batch_execute(batch=batch, dry_run=True)
    _failing_after(monkeypatch, 2)  # two chunks of two rows committed, then the fault
    with pytest.raises(RuntimeError):
        services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False)
    message = _failed(batch, caplog)
    assert ImportedRecord.objects.filter(last_batch=batch).count() == 4 == DisclosureRecord.objects.count()
    assert message.startswith("正式导入因服务器出错而中断，已导入（或更新）4 条记录，其余未导入：")
    assert "整批回滚" in message
    assert ImportBatch.objects.get(pk=batch.pk).rows_done == 4


def test_a_run_whose_file_is_gone_from_storage_says_nothing_was_imported(importer, caplog):
    batch = _batch(importer)
    services.batch_execute(batch=batch, dry_run=True)
    batch = ImportBatch.objects.get(pk=batch.pk)
    batch.file.storage.delete(batch.file.name)
    with pytest.raises(OSError):
        services.batch_execute(batch=batch, dry_run=False)
    message = _failed(batch, caplog)
    assert message.startswith("正式导入因服务器出错而中断，没有导入任何记录：请重新试运行后再正式导入；")
    assert not DisclosureRecord.objects.exists()


def test_the_batch_page_shows_the_message_beside_its_status(client, importer, monkeypatch, caplog):
    batch = _batch(importer)
    _failing_after(monkeypatch, 0)
    with pytest.raises(RuntimeError):
        services.batch_execute(batch=batch, dry_run=True)
    message = _failed(batch, caplog)
    page = sign_in_staff(client, importer).get(f"/admin/imports/importbatch/{batch.pk}/change/")
    assert f'出错中断</strong>：<span class="errornote">{message}</span>' in page.content.decode()
    assert "RuntimeError" not in page.content.decode()


def test_a_run_the_server_cannot_start_leaves_the_batch_as_it_was_and_says_so(
    client, importer, settings, tmp_path, monkeypatch, caplog
):
    """Nothing ran: the batch stays checked, to be started again, not marked failed."""
    batch = _batch(importer)
    services.batch_execute(batch=batch, dry_run=True)
    settings.IMPORTS_BACKGROUND, settings.MEDIA_ROOT = True, tmp_path

    def no_process(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(services.subprocess, "Popen", no_process)
    staff = sign_in_staff(client, importer)
    page = staff.post(f"/admin/imports/importbatch/{batch.pk}/start/", {"action": "run"}, follow=True)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == ImportBatch.Status.CHECKED and batch.error == ""
    [message] = [str(m) for m in page.context["messages"]]
    assert message.startswith("服务器出错，正式导入没有开始，批次没有任何改动：请稍后再试；")
    assert not re.search(r"[A-Za-z]{3,}", message), message
    reference = REFERENCE.search(message).group(1)
    assert [r for r in caplog.records if reference in r.getMessage()][0].exc_info is not None
    assert 'name="action" value="run"' in page.content.decode()  # to be started again from the same page
