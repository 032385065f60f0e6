"""core.forms.ShortModelChoiceField: a short list of options read in one plain query."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.forms import ShortModelChoiceField
from disclosures.models import Topic

pytestmark = pytest.mark.django_db


class TopicForm(forms.Form):
    topic = ShortModelChoiceField(queryset=Topic.objects.filter(name__startswith="分类"), empty_label="全部")


def test_options_come_from_one_query_without_a_server_side_cursor():
    Topic.objects.bulk_create([Topic(name=f"分类{n}", position=n) for n in range(3)])
    with CaptureQueriesContext(connection) as queries:
        html = str(TopicForm()["topic"])
    assert len(queries) == 1 and "DECLARE" not in queries[0]["sql"]
    assert html.count("<option") == 4 and ">全部</option>" in html
    form = TopicForm({"topic": Topic.objects.get(name="分类1").pk})
    assert form.is_valid() and form.cleaned_data["topic"].name == "分类1"


def test_reasons_for_a_message_read_as_one_sentence():
    """“请填写答复日期（成文日期）。；请标明办理结果分类（A/B/C）。” (a tester's find)."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from core.forms import error_reasons

    refused = ValidationError(
        {"replied_on": "请填写答复日期（成文日期）。", "category": "请标明办理结果分类（A/B/C）。"}
    )
    assert error_reasons(refused) == "请填写答复日期（成文日期）；请标明办理结果分类（A/B/C）。"
    assert error_reasons(PermissionDenied()) == "没有权限"
    assert error_reasons(ValidationError("年度不能晚于今年。")) == "年度不能晚于今年。"
