"""A date typed with a Chinese input method (full-width digits, its dashes, 2026年12月7日), and
the time of day beside it in the admin (０９：３０), is read wherever the page shows a text box for
it: the admin's date fields, and a date input an old browser shows as text. So is every date form
an imported file may hold (2026.12.07, 20261207): one list for both."""

import datetime as dt

import pytest
from django import forms
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from core.admin_input import AdminInputMixin
from core.forms import TypedDateField, TypedSplitDateTimeField
from imports.rows import parse_date

DAY = dt.date(2026, 12, 7)
TYPED = [
    "2026-12-07",
    "２０２６－１２－０７",
    "２０２６／１２／０７",
    "2026年12月7日",
    "２０２６年１２月７日",
    "2026 年 12 月 07 日",
    "2026—12—07",
    "\u3000２０２６－１２－０７\u3000",
    # As old systems and spreadsheets write them, which the import reads (imports.rows) too.
    "2026.12.07",
    "2026.12.7",
    "２０２６．１２．０７",
    "2026/12/07",
    "2026/12/7",
    "20261207",
    "2026年12月07",
]


@pytest.mark.parametrize("typed", TYPED)
def test_a_date_typed_with_an_input_method_is_read(typed):
    assert TypedDateField().clean(typed) == DAY


@pytest.mark.parametrize(
    "typed",
    ["２０２６－１３－０１", "2026年2月30日", "二〇二六年十二月七日", "2026-12", "2026.12", "12.07.2026", "2026120"],
)
def test_a_date_that_is_none_is_still_refused_with_the_fields_message(typed):
    field = TypedDateField(error_messages={"invalid": "日期格式不正确。"})
    with pytest.raises(forms.ValidationError, match="日期格式不正确"):
        field.clean(typed)


@pytest.mark.parametrize("typed", TYPED)
def test_a_date_a_box_reads_is_one_the_import_reads_the_same(typed):
    """One list of date forms for both (core.dates.DATE_PATTERN): a date staff copy from the
    file they import into a box is read, and read as the same day."""
    assert parse_date(typed, "成文日期") == TypedDateField().clean(typed) == DAY


@pytest.mark.parametrize(
    ("typed", "time"), [("０９：３０", (9, 30, 0)), ("０９：３０：１５", (9, 30, 15)), ("\u3000９：３０ ", (9, 30, 0))]
)
def test_a_time_typed_with_an_input_method_is_read(typed, time):
    moment = TypedSplitDateTimeField().clean(["２０２６．１２．０７", typed])
    assert moment.date() == DAY and (moment.hour, moment.minute, moment.second) == time


@pytest.mark.parametrize("typed", ["２５：００", "０９：６０", "九点半"])
def test_a_time_that_is_none_is_still_refused(typed):
    with pytest.raises(forms.ValidationError):
        TypedSplitDateTimeField().clean(["2026-12-07", typed])


def test_the_date_of_a_date_and_time_pair_is_read_the_same_way():
    moment = TypedSplitDateTimeField().clean(["２０２６－１２－０７", "09:30"])
    assert moment.date() == DAY and (moment.hour, moment.minute) == (9, 30)
    assert TypedSplitDateTimeField(required=False).clean(["", ""]) is None
    with pytest.raises(forms.ValidationError):
        TypedSplitDateTimeField().clean(["", ""])


@pytest.mark.django_db
def test_every_date_box_of_the_admin_reads_a_date_typed_with_an_input_method(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, AdminInputMixin):  # Django's and the libraries' own
            continue
        for db_field in model._meta.concrete_fields:
            if not isinstance(db_field, models.DateField) or not db_field.editable or db_field.choices:
                continue
            field = model_admin.formfield_for_dbfield(db_field, request)
            if isinstance(db_field, models.DateTimeField):
                moment = field.clean(["２０２６年１２月７日", "０９：３０"])
                assert (moment.date(), moment.hour, moment.minute) == (DAY, 9, 30), (model, db_field.name)
            else:
                assert field.clean("２０２６－１２－０７") == DAY, (model, db_field.name)
            checked += 1
    assert checked > 10
