"""Sanitizing never drops text silently: markup that would lose or mangle visible text is
refused on the field, with the text named, in every rich-text field (records, pages, replies)."""

import pytest
from django.core.exceptions import ValidationError

from core.roles import ENTRY_CLERK
from disclosures.models import DisclosureRecord, Page
from disclosures.sanitize import sanitize_html, text_loss
from tests.disclosures.factories import RecordFactory
from tests.disclosures.test_admin import form_data, staff
from tests.staff import sign_in_staff

BROKEN = {
    "missing quote": ('<p>前文<a href="https://x/doc>通知</a>后文</p><p>第二段</p>', "通知"),
    "unclosed style": ("<p>前文</p><style>p { color: red }<p>后文</p>", "后文"),
    "unclosed script": ("<p>前文</p><script>var a;<p>后文</p>", "后文"),
    "unclosed comment": ("<p>前文</p><!-- 备注 <p>后文</p>", "后文"),
    "textarea": ("<p>前文</p><textarea><p>后文</p>", "<p>"),
    "title": ("<p>前文</p><title><p>后文</p>", "<p>"),
    "iframe": ("<p>前文</p><iframe><p>后文</p>", "<p>"),
}
FINE = [
    "<p>正文</p><script>alert(1)</script><style>p{}</style><!-- 注释 -->",
    '<p onclick="x()">正文<a href="javascript:alert(1)">链接</a></p>',
    "<!--[if gte mso 9]><xml><w:x/></xml><![endif]--><p class=MsoNormal>文<o:p></o:p></p>",
    "<p>1 &lt; 2 且 3 > 2，a&nbsp;b</p>",
    "<p>x</p><select><option>选项</option></select>",
    "",
]


@pytest.mark.parametrize("raw, lost", BROKEN.values(), ids=BROKEN.keys())
def test_text_that_sanitizing_would_lose_is_named(raw, lost):
    message = text_loss(raw)
    assert message and lost in message


@pytest.mark.parametrize("raw", FINE)
def test_what_sanitizing_only_cleans_passes(raw):
    assert text_loss(raw) is None


@pytest.mark.django_db
@pytest.mark.parametrize("raw, lost", BROKEN.values(), ids=BROKEN.keys())
def test_the_admin_refuses_the_save_beside_the_body(client, raw, lost):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    response = client.post("/admin/disclosures/disclosurerecord/add/", form_data(body=raw))
    assert response.status_code == 200
    assert not DisclosureRecord.objects.exists()
    assert lost in response.context["adminform"].form.errors["body"][0]


@pytest.mark.django_db
def test_every_rich_text_field_is_checked():
    from tests.proposals.factories import ReplyFactory, vocabularies

    vocabularies()
    raw = BROKEN["missing quote"][0]
    for instance, field in [
        (RecordFactory.build(body=raw), "body"),
        (Page(slug="guide", title="指南", body=raw), "body"),
        (ReplyFactory.build(letter=raw), "letter"),
        (ReplyFactory.build(summary=raw, publication_mode="summary", mode_reason="涉及个人信息"), "summary"),
    ]:
        with pytest.raises(ValidationError) as error:
            instance.clean()
        assert "通知" in error.value.message_dict[field][0], (type(instance), field)


@pytest.mark.django_db
def test_publishing_through_the_service_refuses_too():
    from disclosures import services

    record = RecordFactory()
    DisclosureRecord.objects.filter(pk=record.pk).update(body=BROKEN["unclosed comment"][0])
    with pytest.raises(ValidationError) as error:
        services.record_publish(record=record)
    assert "body" in error.value.message_dict


def test_ids_and_unknown_classes_are_dropped():
    cleaned = sanitize_html(
        '<p class="signature">落款</p><p class="button">x</p><span id="main" class="skip-link">y</span>'
    )
    assert '<p class="signature">落款</p>' in cleaned
    assert "id=" not in cleaned and "button" not in cleaned and "skip-link" not in cleaned
