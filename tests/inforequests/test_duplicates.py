"""Repeated applications recognised on the server: a form sent twice within minutes is one
case whatever the browser's session knows; a later one asking the same is flagged to staff."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inforequests import selectors, services
from inforequests.models import Case, Outcome
from tests.staff import sign_in_staff

from .factories import OTHER_PERSON_ID, PHONE, AgencyFactory, applicant, make_case, request_data, staff_user
from .test_public import STATUS, confirm, form_data

pytestmark = pytest.mark.django_db
D = dt.date
THIRD_PERSON_ID = "110105198001010016"
NOON = dt.datetime(2026, 12, 3, 4, 0, tzinfo=dt.UTC)  # Thursday noon in Shanghai


@pytest.fixture
def agency():
    return AgencyFactory().organization


def receipt_code(client, response):
    found = re.search(r'class="query-code">([A-Z0-9-]+)<', client.get(response["Location"]).content.decode())
    return found.group(1) if found else None


def test_the_same_application_sent_again_from_another_browser_is_not_registered_twice(agency):
    """A double submit the first browser's session cannot catch (a second browser, the session
    lost): the second gets the first case's receipt, with its 查询码 when all typed is the same."""
    first, second = Client(), Client()
    with time_machine.travel(NOON, tick=False):
        done = confirm(first, form_data(agency))
        code = receipt_code(first, done)
    with time_machine.travel(NOON + dt.timedelta(minutes=3), tick=False):
        again = confirm(second, form_data(agency, title="  道路养护计划 ", description="2026年计划全文。"))
        assert again.status_code == 302
        html = second.get(again["Location"]).content.decode()
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert case.number in html and "本次没有重复登记" in html
    # Not all typed the same (spaces, a full stop): the case's receipt without its 查询码.
    assert code not in html and "查询码已在首次提交时显示" in html
    with time_machine.travel(NOON + dt.timedelta(minutes=4), tick=False):
        third = Client()
        again = confirm(third, form_data(agency))
        assert receipt_code(third, again) == code  # typed exactly the same: the receipt as it was
        assert third.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).status_code == 200
    assert Case.objects.count() == 1


def test_after_the_window_or_for_another_applicant_it_is_a_new_case_flagged_to_staff(agency):
    with time_machine.travel(NOON, tick=False):
        confirm(Client(), form_data(agency))
    with time_machine.travel(NOON + dt.timedelta(minutes=selectors.DOUBLE_SUBMIT_SECONDS // 60 + 1), tick=False):
        later = confirm(Client(), form_data(agency))
    assert later.status_code == 302 and Case.objects.count() == 2
    first, second = Case.objects.order_by("pk")
    assert second.possible_duplicate_of == first and first.possible_duplicate_of is None
    with time_machine.travel(NOON + dt.timedelta(minutes=1), tick=False):
        other = confirm(Client(), form_data(agency, id_number=OTHER_PERSON_ID, phone="13800001111"))
    assert other.status_code == 302 and Case.objects.count() == 3
    assert Case.objects.order_by("pk").last().possible_duplicate_of is None  # another applicant


def _register(agency, received_on=D(2026, 11, 2), who=None, **request):
    case, _ = services.case_register(
        agency=agency,
        channel=Case.Channel.POST,
        received_on=received_on,
        applicant=who or applicant(),
        request=request_data(**request),
    )
    return case


@pytest.mark.usefixtures("saturday_noon")
def test_possible_duplicates_are_matched_on_the_applicant_digests_and_close_text(agency):
    earlier = _register(agency, title="2026年道路养护计划", document_number="官交〔2026〕3号")
    # The same information, typed differently: full-width, other brackets, spaces, a slip.
    same = _register(agency, title="２０２６年 道路养护计划", document_number="官交[2026]3号")
    assert same.possible_duplicate_of == earlier
    close = _register(agency, title="2026年道路养护计画", document_number="官交〔2026〕3号")
    assert close.possible_duplicate_of is not None
    # The phone's digest matches the applicant too (an ID number typed wrong).
    by_phone = _register(
        agency, who=applicant(id_number=OTHER_PERSON_ID), title="2026年道路养护计划", document_number="官交〔2026〕3号"
    )
    assert by_phone.possible_duplicate_of is not None
    other_info = _register(agency, title="2025年财政决算", description="全区财政决算报告。")
    assert other_info.possible_duplicate_of is None
    other_agency = _register(
        AgencyFactory().organization, title="2026年道路养护计划", document_number="官交〔2026〕3号"
    )
    assert other_agency.possible_duplicate_of is None
    stranger = _register(
        agency,
        who=applicant(id_number=THIRD_PERSON_ID, phone="13800001111"),
        title="2026年道路养护计划",
        document_number="官交〔2026〕3号",
    )
    assert stranger.possible_duplicate_of is None


@pytest.mark.usefixtures("saturday_noon")
def test_a_case_answered_long_ago_is_not_a_recent_one(agency):
    old = _register(agency, received_on=D(2026, 3, 2))
    services.case_reply(case=old, outcome=Outcome.GRANTED, replied_on=D(2026, 3, 20), reply_text="予以公开")
    assert _register(agency, received_on=D(2026, 12, 1)).possible_duplicate_of is None
    recent = _register(agency, received_on=D(2026, 10, 8))
    services.case_reply(case=recent, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 20), reply_text="予以公开")
    assert _register(agency, received_on=D(2026, 12, 2)).possible_duplicate_of.pk == recent.pk


@pytest.mark.usefixtures("saturday_noon")
def test_staff_see_the_flag_in_the_queue_and_on_the_case_and_can_link_it(client, agency):
    earlier = make_case(agency=agency, received_on=D(2026, 9, 18))
    services.case_reply(case=earlier, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开")
    case, code = make_case(agency=agency, received_on=D(2026, 11, 2), code=True)
    assert case.possible_duplicate_of_id == earlier.pk
    sign_in_staff(client, staff_user("clerk", agency))
    queue = client.get("/disclosures/apply/staff/").content.decode()
    assert (
        f'href="/disclosures/apply/staff/{earlier.pk}/" title="同一申请人申请过相同或相近的信息">可能重复申请</a>'
        in queue
    )
    page = client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode()
    assert "可能重复申请" in page and earlier.number in page
    assert f'name="duplicate-original" value="{earlier.number}"' in page  # the link prefilled
    # The flag is staff's: the applicant's status page says nothing of the other case.
    status = Client().post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert earlier.number not in status and "重复" not in status
    response = client.post(
        f"/disclosures/apply/staff/{case.pk}/", {"action": "duplicate", "duplicate-original": earlier.number}
    )
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).duplicate_of_id == earlier.pk
    page = client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode()
    assert "可能重复申请" not in page  # linked: the flag has done its work


@pytest.mark.usefixtures("saturday_noon")
def test_the_flag_costs_the_queue_no_query(client, agency):
    """The flag and its link come from the case's own row: a page of flagged cases reads as many
    queries as a page of others."""
    sign_in_staff(client, staff_user("clerk", agency))
    client.get("/disclosures/apply/staff/?state=all")  # the session and the kept filters

    def queries():  # each time after cases were added: the table is rendered again
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/disclosures/apply/staff/?state=all").content.decode()
        return len(captured), html

    for n in range(3):
        _register(
            agency,
            who=applicant(id_number=OTHER_PERSON_ID, phone=f"1380000{n:04d}"),
            title=f"不同的信息{n}",
            description=f"第{n}号文件及附表",
        )
    plain, html = queries()
    assert "可能重复申请" not in html
    for _ in range(3):
        _register(agency)
    flagged, html = queries()
    assert html.count("可能重复申请") == 2 and flagged == plain


def test_the_applicant_never_learns_of_another_case(agency):
    """Someone typing another person's phone number and the same request: a new case (never the
    other's receipt), flagged to staff only."""
    with time_machine.travel(NOON, tick=False):
        confirm(Client(), form_data(agency))
    with time_machine.travel(NOON + dt.timedelta(minutes=2), tick=False):
        stranger = Client()
        done = confirm(stranger, form_data(agency, id_number=OTHER_PERSON_ID, name="李四"))
        html = stranger.get(done["Location"]).content.decode()
    first, second = Case.objects.order_by("pk")
    assert second.possible_duplicate_of == first  # the shared phone: staff look
    assert first.number not in html and second.number in html and "本次没有重复登记" not in html


def test_a_case_number_typed_full_width_lower_case_or_spaced_is_found(client, agency):
    """Staff copy the number from a letter, or type it with an input method in full-width mode."""
    earlier = make_case(agency=agency, received_on=D(2026, 9, 18))
    services.case_reply(case=earlier, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开")
    case = make_case(agency=agency, received_on=D(2026, 11, 2))
    sign_in_staff(client, staff_user("clerk", agency))
    wide = str.maketrans("0123456789-", "０１２３４５６７８９－")
    typed = f" {earlier.number.lower().translate(wide)}\u3000"
    response = client.post(f"/disclosures/apply/staff/{case.pk}/", {"action": "duplicate", "duplicate-original": typed})
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).duplicate_of_id == earlier.pk


def test_a_flag_to_a_case_not_yet_answered_does_not_invite_a_link_that_is_refused(client, agency):
    """关联重复申请 takes only an answered case (Art. 36(6)): while the earlier one is open, the
    page says so instead of pointing to the form with the number filled in for a refusal."""
    earlier = make_case(agency=agency, received_on=D(2026, 11, 2))
    case = make_case(agency=agency, received_on=D(2026, 11, 3))
    assert case.possible_duplicate_of_id == earlier.pk and earlier.replied_on is None
    sign_in_staff(client, staff_user("clerk", agency))
    page = client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode()
    assert "可能重复申请" in page and earlier.number in page
    assert "可在下方“关联重复申请”中关联" not in page and "尚未答复" in page
    assert f'name="duplicate-original" value="{earlier.number}"' not in page
