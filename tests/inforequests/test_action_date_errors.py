"""A staff action with a date after today is told so at once, beside the date and together with
the form's other errors, not only after the other fields are put right and the service sees it."""

import datetime as dt
from html import unescape

import pytest
from django import forms as django_forms

from inforequests import forms
from inforequests.models import Agency
from inforequests.views import ACTIONS
from tests.staff import sign_in_staff

from .factories import AgencyFactory, make_case, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]  # today: 2026-12-05, 12:00
TOMORROW = "2026-12-06"


def happened_dates(form_class):
    return [name for name, field in form_class.base_fields.items() if isinstance(field, django_forms.DateField)]


@pytest.mark.parametrize("name", [name for name, entry in ACTIONS.items() if happened_dates(entry[1])])
def test_every_action_form_refuses_a_date_after_today_beside_it(name):
    form_class = ACTIONS[name][1]
    dates = [field for field in happened_dates(form_class) if field != "ordered_due_on"]
    form = form_class({f"{name}-{field}": TOMORROW for field in dates}, prefix=name)
    assert not form.is_valid()
    for field in dates:
        label = form_class.base_fields[field].label
        assert form.errors[field] == [f"{label}不能晚于今天。"], field


def test_today_is_allowed_and_a_deadline_ordered_for_later_is_not_a_date_that_happened():
    form = forms.ReopenForm(
        {
            "reopen-basis": "self_correction",
            "reopen-order_date": "2026-12-05",
            "reopen-served_on": "2026-12-05",
            "reopen-ordered_due_on": "2027-01-20",
            "reopen-reason": "发现答复有误",
        },
        prefix="reopen",
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("typed", ["２０２６－１２－０４", "2026年12月4日"])
def test_a_date_typed_with_an_input_method_is_read(client, typed):
    """Where the browser has no date picker the box is text, and an input method types full width."""
    case = make_case(agency=AgencyFactory().organization, received_on=dt.date(2026, 11, 20))
    sign_in_staff(client, staff_user("clerk", case.agency))
    extend = {"action": "extend", "extend-days": "5", "extend-approver": "王主任", "extend-reason": "档案多"}
    response = client.post(f"/disclosures/apply/staff/{case.pk}/", {**extend, "extend-on": typed})
    assert response.status_code == 302
    assert case.events.get(action="延期答复").effective_on == dt.date(2026, 12, 4)


def test_staff_entry_refuses_a_receipt_date_after_today_with_the_same_words():
    form = forms.StaffEntryForm({"received_on": TOMORROW}, agencies=Agency.objects.none())
    assert not form.is_valid()
    assert form.errors["received_on"] == ["收到申请日期不能晚于今天。"]


def test_a_reply_dated_tomorrow_without_an_outcome_names_both_at_once_and_keeps_the_text(client):
    case = make_case(agency=AgencyFactory().organization, received_on=dt.date(2026, 11, 20))
    sign_in_staff(client, staff_user("clerk", case.agency))
    response = client.post(
        f"/disclosures/apply/staff/{case.pk}/",
        {
            "action": "reply",
            "reply-outcome": "",
            "reply-replied_on": TOMORROW,
            "reply-reply_text": "经查，您申请的信息已主动公开，\n见本机关网站。",
        },
    )
    page = unescape(response.content.decode())
    assert response.status_code == 400
    assert "请选择办理结果。" in page
    assert "答复日期不能晚于今天。" in page
    assert "经查，您申请的信息已主动公开，\n见本机关网站。" in page
