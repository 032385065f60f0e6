"""A rollback puts back what a batch found, so it is refused once anyone else changed one of the
batch's records (an edit, a flag checked, a review step) or one is no longer a draft; a restore
that does happen leaves the batch's rows in the history and adds one of its own."""

import re

import pytest
from django.core.exceptions import ValidationError

from disclosures.models import DisclosureRecord, ReviewStep
from disclosures.services import record_publish, record_return, record_submit, record_withdraw
from imports import services
from imports.models import ImportBatch

from .conftest import fixture_bytes
from .test_batches import content_tables, new_batch, run

pytestmark = pytest.mark.django_db

INDEX = "015117762-202003-000101"  # row 2 of the file: no lost characters, so it can be submitted


def imported(importer, name="records_gb18030.csv", replace=None):
    text = fixture_bytes("records_gb18030.csv").decode("gb18030")
    if replace:
        text = text.replace(*replace)
    batch = new_batch(importer, name=name, data=text.encode("gb18030"))
    run(batch, dry_run=True)
    run(batch, dry_run=False)
    return ImportBatch.objects.get(pk=batch.pk)


def rollback(batch, user):
    return services.batch_rollback(batch=ImportBatch.objects.get(pk=batch.pk), user=user)


def reasons(record):
    return list(record.history.order_by("-history_id").values_list("history_change_reason", flat=True))


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("clerk", password="Cl3rk-Passw0rd!", first_name="李娟", is_staff=True)


def test_a_rollback_is_refused_once_staff_edited_a_record_it_updated(vocab, importer, clerk):
    first = imported(importer)
    second = imported(importer, name="v2.csv", replace=("请认真贯彻执行", "请遵照执行"))
    record = DisclosureRecord.objects.get(index_number=INDEX)
    assert "请遵照执行" in record.body
    record.title, record.summary = "关于印发社区工作细则的通知（修订）", "经办人补充的内容概述"
    record._history_user = clerk
    record.save()
    history = reasons(record)

    with pytest.raises(ValidationError) as error:
        rollback(second, importer)
    message = error.value.messages[0]
    assert message.startswith("记录“关于印发社区工作细则的通知（修订）”在导入后已被人工修改（李娟于")
    assert message.endswith("不能整批回滚：请逐条处理。")
    record.refresh_from_db()
    assert record.title == "关于印发社区工作细则的通知（修订）" and record.summary == "经办人补充的内容概述"
    assert reasons(record) == history  # the batch's update row is still there
    assert ImportBatch.objects.get(pk=second.pk).status == ImportBatch.Status.DONE
    with pytest.raises(ValidationError, match="请先回滚那个批次"):
        rollback(first, importer)


def test_a_restore_keeps_the_batchs_history_and_says_so(vocab, importer):
    first = imported(importer)
    second = imported(importer, name="v2.csv", replace=("请认真贯彻执行", "请遵照执行"))
    rollback(second, importer)
    record = DisclosureRecord.objects.get(index_number=INDEX)
    assert "请认真贯彻执行" in record.body and record.imported.last_batch_id == first.pk
    assert reasons(record) == [
        f"回滚导入（批次 #{second.pk}）",
        f"导入更新（批次 #{second.pk}）",
        f"导入（批次 #{first.pk}）",
    ]
    newest = record.history.order_by("-history_id").first()
    assert (newest.title, newest.body, newest.history_user) == (record.title, record.body, importer)
    # The first batch's records were touched by nothing but imports since: it still rolls back whole.
    rollback(first, importer)
    assert not DisclosureRecord.objects.exists()


def test_a_record_submitted_for_review_stops_the_rollback(vocab, importer):
    batch = imported(importer)
    record = DisclosureRecord.objects.get(index_number=INDEX)
    record_submit(record=record, user=importer)
    with pytest.raises(ValidationError) as error:
        rollback(batch, importer)
    assert error.value.messages == [f"记录“{record.title}”已提交审核，不再是草稿，不能整批回滚：请逐条处理。"]
    assert DisclosureRecord.objects.count() == 3 and ReviewStep.objects.filter(record=record).exists()

    # Returned to its drafters it is a draft again, but not what the import wrote.
    record_return(record=record, user=importer, comment="请补充附件")
    with pytest.raises(ValidationError, match="在导入后已被人工修改（importer于"):
        rollback(batch, importer)
    assert ReviewStep.objects.filter(record=record).count() == 2


def test_a_published_or_withdrawn_record_stops_the_rollback(vocab, importer):
    batch = imported(importer)
    record = DisclosureRecord.objects.get(index_number=INDEX)
    record_publish(record=record, user=importer)
    with pytest.raises(ValidationError, match=f"记录“{record.title}”已发布，不再是草稿"):
        rollback(batch, importer)
    record_withdraw(record=record, user=importer)
    with pytest.raises(ValidationError, match="已撤回，不再是草稿"):
        rollback(batch, importer)
    assert DisclosureRecord.objects.count() == 3


def test_a_checked_flag_is_a_change_a_rollback_keeps(vocab, importer):
    from imports.models import Flag

    batch = imported(importer)
    flag = Flag.objects.get(imported__record__index_number="015117762-202106-000102")
    services.flag_resolve(flag=flag, user=importer, action="accept")
    before = content_tables()
    with pytest.raises(ValidationError, match="在导入后已被人工修改"):
        rollback(batch, importer)
    assert content_tables() == before


def test_an_attachment_a_rolled_back_update_added_stays_in_the_history(vocab, importer):
    import io
    import zipfile

    from disclosures.models import Attachment

    from .conftest import FIXTURES

    def pages(with_pdf):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in sorted((FIXTURES / "pages" / "gkmlpt").iterdir()):
                if with_pdf or path.suffix != ".pdf":
                    archive.write(path, f"gkmlpt/{path.name}")
        return buffer.getvalue()

    batches = []
    for name, with_pdf in (("采集.zip", False), ("采集（补附件）.zip", True)):
        batch = services.batch_create(user=importer, name=name, data=pages(with_pdf), source_system="官渡区旧站")
        services.batch_execute(batch=batch, dry_run=True)
        batches.append(services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False))
    record = DisclosureRecord.objects.get(index_number="015117762-202409-000211")
    attachment = Attachment.objects.get(record=record)
    rollback(batches[1], importer)
    assert not Attachment.objects.exists()
    rows = Attachment.history.model.objects.filter(id=attachment.pk).order_by("history_id")
    assert [(row.history_type, row.history_change_reason) for row in rows] == [
        ("+", None),
        ("-", f"回滚导入（批次 #{batches[1].pk}）"),
    ]


def test_a_rollback_interrupted_after_its_restores_starts_again_and_finishes(vocab, importer, monkeypatch, caplog):
    """Its restores put the earlier batch back on the records: started again, the check took
    that batch for a later one (“请先回滚那个批次”) and the batch could never be rolled back."""
    first = imported(importer)
    second = imported(importer, name="v2.csv", replace=("请认真贯彻执行", "请遵照执行"))

    def power_cut(*args):
        raise RuntimeError("断电")

    monkeypatch.setattr(services, "_rollback_progress", power_cut)  # right after the restores
    with pytest.raises(RuntimeError):
        rollback(second, importer)
    failed = ImportBatch.objects.get(pk=second.pk)
    assert failed.status == ImportBatch.Status.FAILED
    # Staff read what happened and what to do, not the exception; its reference finds it in the log.
    assert failed.error.startswith("整批回滚因服务器出错而中断，已回滚的部分保持回滚：请重新整批回滚（会从中断处继续）")
    reference = re.search(r"错误编号 (\d+-\d{6})。$", failed.error).group(1)
    assert [r.exc_info[1] for r in caplog.records if reference in r.getMessage()][0].args == ("断电",)
    assert "断电" not in failed.error
    monkeypatch.undo()

    rollback(second, importer)
    assert ImportBatch.objects.get(pk=second.pk).status == ImportBatch.Status.ROLLED_BACK
    record = DisclosureRecord.objects.get(index_number=INDEX)
    assert "请认真贯彻执行" in record.body and record.imported.last_batch_id == first.pk
    assert reasons(record) == [  # restored once
        f"回滚导入（批次 #{second.pk}）",
        f"导入更新（批次 #{second.pk}）",
        f"导入（批次 #{first.pk}）",
    ]


def test_a_record_moved_to_another_agency_is_refused_as_theirs_without_naming_who_changed_it(
    vocab, importer, clerk, django_user_model
):
    """The refusal naming who edited a record and when was given before the agency check: an
    agency's importer read another agency's staff member's name on a record now theirs."""
    from django.contrib.auth.models import Group

    from disclosures.models import AgencyMembership, Organization

    batch = imported(importer)
    record = DisclosureRecord.objects.get(index_number=INDEX)
    mine = Organization.objects.get(name="昆明市官渡区民政局")
    record.publisher = Organization.objects.exclude(pk=mine.pk).first()
    record._history_user = clerk
    record.save()
    agency_importer = django_user_model.objects.create_user("mz", password="Mz-Passw0rd-2026!", is_staff=True)
    agency_importer.groups.add(Group.objects.get(name="审核员"))
    AgencyMembership.objects.create(user=agency_importer, organization=mine)
    with pytest.raises(ValidationError) as error:
        services.rollback_check(batch=batch, user=django_user_model.objects.get(pk=agency_importer.pk))
    assert "不属于您所在机构" in error.value.messages[0] and "李娟" not in error.value.messages[0]
