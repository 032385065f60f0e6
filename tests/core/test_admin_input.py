"""Hand-made admin requests are bad input, not a 500 (a tester, session 20): an autocomplete
value that is no key, shown again with the form's error; a date part out of range in a
changelist's query, answered with the list's error flag."""

import pytest
from django.contrib import admin

from core.admin_input import AdminInputMixin, KnownKeysAutocompleteSelect
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    return sign_in_staff(client, admin_user)


def test_every_admin_with_autocomplete_boxes_shows_only_known_keys_again():
    for model, model_admin in admin.site._registry.items():
        if model_admin.autocomplete_fields:
            assert isinstance(model_admin, AdminInputMixin), model


# Full-width digits are the number they read as (int() takes them): a small one may be the key
# of a seed row, depending on what earlier tests took from PostgreSQL's sequences.
@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1", "９９９９９９９９"])
def test_a_posted_autocomplete_value_that_is_no_key_is_a_form_error(admin_client, seed, value):
    response = admin_client.post(
        "/admin/proposals/reply/add/", {"proposal": value, "answering_unit": value, "letter": "<p>答复。</p>"}
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"proposal", "answering_unit"} <= set(form.errors)
    assert isinstance(form.fields["proposal"].widget.widget, KnownKeysAutocompleteSelect)


@pytest.mark.parametrize(
    "query",
    [
        "replied_on__year=99999999999999999999",
        "replied_on__year=abc",
        "replied_on__year=２０２４",
    ],
)
def test_a_date_part_out_of_range_is_the_lists_error_flag(admin_client, seed, query):
    response = admin_client.get(f"/admin/proposals/reply/?{query}")
    assert response.status_code == 302 and response["Location"] == "/admin/proposals/reply/?e=1"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/communities/fact/?period_end__year=2021&period_end__month=99999999999999999999",
        "/admin/proposals/proposal/?assigned_on__year=2025&assigned_on__month=99999999999999999999",
        "/admin/proposals/proposal/?assigned_on__year=9999",  # the hierarchy reaches for year 10000
        "/admin/proposals/proposal/?assigned_on__year=2025&assigned_on__month=13",
        "/admin/proposals/reply/?replied_on__year__gte=99999999999999999999",
    ],
)
def test_a_date_hierarchy_out_of_range_is_the_lists_error_flag(admin_client, seed, url):
    response = admin_client.get(url)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_date_parts_in_range_still_filter(admin_client, seed):
    assert admin_client.get("/admin/proposals/proposal/?assigned_on__year=2025&assigned_on__month=3").status_code == 200


def test_every_admin_and_inline_of_the_project_refuses_control_characters():
    """Each form staff type into takes AdminInputMixin's text rule (and its autocomplete rule)."""
    from django.conf import settings

    project = {name.split(".")[0] for name in settings.INSTALLED_APPS if not name.startswith(("django", "axes"))}
    for model, model_admin in admin.site._registry.items():
        if model.__module__.split(".")[0] not in project:
            continue
        assert isinstance(model_admin, AdminInputMixin), model
        for inline in model_admin.inlines:
            assert issubclass(inline, AdminInputMixin), inline


@pytest.mark.parametrize(
    "params",
    [
        {"app_label": "disclosures", "model_name": "organization", "field_name": "children"},  # a reverse relation
        {"app_label": "annualreports", "model_name": "annualreport", "field_name": "year"},  # no relation
        {"app_label": "annualreports", "model_name": "annualreport", "field_name": "nope"},
        {"app_label": "nope", "model_name": "x", "field_name": "y"},
        {"app_label": "annualreports", "model_name": "annualreport"},
        {"app_label": "disclosures", "model_name": "organization", "field_name": "parent", "term": "\x00"},
        {"app_label": "proposals", "model_name": "reply", "field_name": "answering_unit", "term": "局" * 5000},
    ],
)
def test_a_hand_made_autocomplete_request_is_refused_not_a_500(admin_client, seed, params):
    """?field_name=children (the agencies' reverse relation) passed Django's checks and failed in
    its query: a 500."""
    assert admin_client.get("/admin/autocomplete/", params).status_code in (200, 400, 403, 404)
