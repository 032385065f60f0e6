"""Hidden characters from readers: a NUL typed or pasted into a form is named once, in words
that say what it is (Django's own zh-hans text says "不允许是用空字符串": empty strings are not
allowed); direction overrides are not echoed in messages nor kept in published rich text."""

import pytest
from django import forms

from core.forms import PlainLabels


class CommentForm(PlainLabels, forms.Form):
    comment = forms.CharField(label="意见", max_length=200)


def test_a_nul_in_a_plain_labels_form_is_one_clear_error():
    form = CommentForm({"comment": "a\x00b"})
    assert not form.is_valid()
    assert len(form.errors["comment"]) == 1 and "控制字符" in form.errors["comment"][0]


@pytest.mark.django_db
def test_a_nul_in_the_sign_in_form_is_named_for_what_it_is(client):
    response = client.post("/accounts/login/", {"username": "a\x00b", "password": "whatever-123"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "含有空字符" in html and "不允许是用空字符串" not in html


def test_direction_overrides_are_neither_echoed_nor_published(client, db):
    from disclosures.sanitize import sanitize_html

    response = client.get("/communities/data.csv", {"metric": "nope\u202eabc"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "nopeabc" in html and "\u202e" not in html
    assert sanitize_html("<p>申请人\u202e名字倒过来\u202c。</p>") == "<p>申请人名字倒过来。</p>"
