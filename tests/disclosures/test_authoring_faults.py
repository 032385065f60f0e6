"""What a tester broke in staff authoring: a long 正文 with one slip took minutes to check (the
save timed out, the edit lost); a huge body could be saved and never saved again; a Word upload
silently replaced what had just been typed; a Word import's images went to review without alt
text."""

import difflib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import ENTRY_CLERK
from disclosures import sanitize
from disclosures.models import DisclosureRecord
from tests.disclosures.factories import RecordFactory
from tests.disclosures.test_admin import form_data, staff
from tests.disclosures.test_word import report_docx
from tests.staff import sign_in_staff

ADD = "/admin/disclosures/disclosurerecord/add/"


def _paragraphs(count):
    words = "社区协商议事会居民代表楼栋长网格员物业公司业主委员会街道办事处"
    return "".join(f"<p>第{i}段：{words[i % 7 :]}{words[: i % 11]}。</p>" for i in range(count))


def test_a_slip_at_the_end_of_a_long_body_is_named_without_diffing_the_whole_text(monkeypatch):
    compared = []
    real = difflib.SequenceMatcher

    def measured(isjunk, a, b, autojunk):
        compared.append(len(a) + len(b))
        return real(isjunk, a, b, autojunk=autojunk)

    monkeypatch.setattr(difflib, "SequenceMatcher", measured)
    body = _paragraphs(7000) + "<p>结尾<!-- 忘记闭合的注释</p>" + _paragraphs(3)
    assert len(body) > 300_000
    message = sanitize.text_loss(body)
    assert message and "保存会丢失正文中的文字“<!-- 忘记闭合的注释" in message
    assert all(size <= sanitize.DIFF_LIMIT for size in compared)
    # Slips at both ends: the first is named, still without a diff of the whole text.
    both = "<p>前文<textarea>标记</textarea>后文</p>" + body
    assert "保存会丢失正文中的文字“标记" in sanitize.text_loss(both)
    assert all(size <= sanitize.DIFF_LIMIT for size in compared)


@pytest.mark.django_db
def test_a_body_too_long_to_edit_again_is_refused_beside_it():
    record = RecordFactory(body=_paragraphs(10) + "<p>" + "长" * sanitize.RICH_TEXT_MAX_CHARACTERS + "</p>")
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    assert "内容过长" in refused.value.message_dict["body"][0]


@pytest.mark.django_db
def test_a_word_upload_does_not_replace_a_body_just_typed(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    typed = form_data(title="录入员的通知", body="<p>录入员手写的很重要的正文</p>")
    response = client.post(ADD, {**typed, "body_docx": SimpleUploadedFile("报告.docx", report_docx())})
    assert response.status_code == 200 and not DisclosureRecord.objects.exists()
    assert "导入会替换正文" in response.context["adminform"].form.errors["body_docx"][0]
    assert "录入员手写的很重要的正文" in response.content.decode()


@pytest.mark.django_db
def test_a_word_imports_images_without_alt_text_do_not_go_to_review(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    upload = SimpleUploadedFile("报告.docx", report_docx())
    response = client.post(ADD, {**form_data(body=""), "body_docx": upload, "_review": "submit"}, follow=True)
    record = DisclosureRecord.objects.get()
    assert record.status == DisclosureRecord.Status.DRAFT
    assert "未能提交审核" in response.content.decode() and "没有替代文字" in response.content.decode()
