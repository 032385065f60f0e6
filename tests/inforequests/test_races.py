"""Two staff acting on the same case at the same moment, on PostgreSQL with two real
connections: a correction of the applicant's particulars saved in the admin while a colleague
answers the case. The admin's save writes the case as it read it; the answer stands."""

import datetime as dt

import pytest
from django.test import Client

from inforequests import services
from inforequests.models import Case, Outcome
from tests.races import Meanwhile, before
from tests.staff import sign_in_staff

from .factories import AgencyFactory, make_case, staff_user
from .test_public import confirm, form_data
from .test_third_round import _admin_form_data

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("saturday_noon"),
]


def test_a_correction_saved_while_a_colleague_answers_does_not_reopen_the_case(monkeypatch):
    case = make_case(received_on=dt.date(2026, 12, 1))
    client = sign_in_staff(Client(), staff_user("clerk", case.agency))
    url = f"/admin/inforequests/case/{case.pk}/change/"
    data = _admin_form_data(client, url, phone="13800001111", correction_reason="登记时录错，已核实")
    # The colleague answers once our save has read the case, before it writes.
    answer = Meanwhile(
        lambda: services.case_reply(
            case=case, outcome=Outcome.GRANTED, replied_on=dt.date(2026, 12, 4), reply_text="予以公开。"
        )
    )
    before(monkeypatch, services, "case_correct_applicant", answer)

    assert client.post(url, data).status_code == 302
    answer.done()

    case = Case.objects.get(pk=case.pk)
    assert case.phone == "13800001111"
    assert (case.state, case.outcome, case.replied_on) == (Case.State.ANSWERED, Outcome.GRANTED, dt.date(2026, 12, 4))


def test_two_registrations_taking_the_years_first_number_at_once_get_two_numbers(monkeypatch):
    from inforequests.models import CaseSerial

    agency = make_case(received_on=dt.date(2026, 12, 1)).agency
    CaseSerial.objects.filter(year=2025).delete()
    # Ours has made the year's counter, not yet committed, when the other registration starts.
    other = Meanwhile(lambda: make_case(agency=agency, received_on=dt.date(2025, 12, 1)))
    before(monkeypatch, services, "_recompute", other)

    ours = make_case(agency=agency, received_on=dt.date(2025, 12, 2))
    theirs = other.done()

    assert other.held  # its counter waited for ours (the year's row, inserted at the same moment)
    assert {ours.number, theirs.number} == {"GD-YSQ-2025-00001", "GD-YSQ-2025-00002"}


def test_the_same_application_sent_from_two_browsers_at_the_same_moment_is_registered_once(monkeypatch):
    """The second arrives while the first is being registered (its case written, not committed):
    it waits for the first and answers with its receipt, instead of registering a second case
    that only a flag would have told staff about."""
    agency = AgencyFactory().organization
    their_browser = Client()
    theirs = Meanwhile(lambda: confirm(their_browser, form_data(agency)))
    before(monkeypatch, services, "_event", theirs)

    ours = confirm(Client(), form_data(agency))
    again = theirs.done()

    assert ours.status_code == again.status_code == 302
    assert theirs.held  # it waited for ours to commit
    assert Case.objects.count() == 1
    receipt = their_browser.get(again["Location"]).content.decode()
    assert Case.objects.get().number in receipt and "本次没有重复登记" in receipt
