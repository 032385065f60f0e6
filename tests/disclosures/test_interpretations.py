"""政策解读 (国办发〔2016〕19号): a 解读 names the document it interprets, staff link it as they
link a 替代文件 (their agency's records or public ones), and the two public pages link each other."""

import pytest
from django.core.exceptions import ValidationError

from tests.disclosures.factories import PublishedRecordFactory, RecordFactory
from tests.disclosures.test_agency_scope_fixes import (  # noqa: F401
    RECORDS,
    chief_client,
    post_record,
    world,
)

pytestmark = pytest.mark.django_db


# --- the link and who may set it ------------------------------------------------------------


def test_a_record_cannot_interpret_itself():
    record = RecordFactory()
    record.interprets = record
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert error.value.message_dict["interprets"] == ["解读对象不能是本记录自身。"]


def test_two_records_cannot_interpret_each_other_even_through_a_third():
    document = RecordFactory(title="政策文件")
    reading = RecordFactory(title="解读", interprets=document)
    document.interprets = reading
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "互为解读" in error.value.message_dict["interprets"][0]
    graphic = RecordFactory(title="图解", interprets=reading)
    document.interprets = graphic
    with pytest.raises(ValidationError):
        document.full_clean()
    reading.full_clean()  # a chain without a loop is fine
    graphic.full_clean()


def test_another_agencys_draft_cannot_be_the_document_interpreted(chief_client, world):  # noqa: F811
    record = world["ours"]
    response = post_record(chief_client, record, interprets=world["theirs"].pk, summary="保留的概述")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["interprets"] == ["只能选择本机构的记录或已公开的记录作为解读对象。"]
    assert "区政府尚未公开的草稿" not in response.content.decode()
    record.refresh_from_db()
    assert record.interprets is None


def test_a_public_record_or_the_agencys_own_can_be_interpreted(chief_client, world):  # noqa: F811
    record = world["ours"]
    for document in (world["theirs_public"], RecordFactory(title="民政局的另一份草稿", publisher=world["civil"])):
        record.refresh_from_db()
        response = post_record(chief_client, record, interprets=document.pk)
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.interprets == document


def test_the_admin_refuses_a_record_interpreting_itself(chief_client, world):  # noqa: F811
    record = world["ours"]
    response = post_record(chief_client, record, interprets=record.pk)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["interprets"] == ["解读对象不能是本记录自身。"]


def test_an_interpreted_document_already_saved_is_kept_when_the_agency_saves(chief_client, world):  # noqa: F811
    record = world["ours"]
    record.interprets = world["theirs"]  # chosen by district-wide staff
    record.save()
    page = chief_client.get(f"{RECORDS}{record.pk}/change/").content.decode()
    assert world["theirs"].title not in page and "（其他机构尚未公开的记录）" in page
    response = post_record(chief_client, record, interprets=world["theirs"].pk, summary="改了概述")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.interprets == world["theirs"] and record.summary == "改了概述"


def test_the_interpreted_documents_box_offers_only_the_staff_members_agency(chief_client, world):  # noqa: F811
    params = {"app_label": "disclosures", "model_name": "disclosurerecord", "field_name": "interprets", "term": ""}
    found = chief_client.get("/admin/autocomplete/", params).json()["results"]
    titles = {row["text"] for row in found}
    assert "民政局的草稿" in titles and "区政府尚未公开的草稿" not in titles


def test_deleting_the_document_leaves_its_interpretation():
    document = PublishedRecordFactory(title="政策文件")
    reading = PublishedRecordFactory(title="解读", interprets=document)
    document.delete()
    reading.refresh_from_db()
    assert reading.interprets is None
