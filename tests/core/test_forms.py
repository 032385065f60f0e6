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
