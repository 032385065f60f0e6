"""Applicants' particulars are erased once an archived case has been kept its period
(个人信息保护法 Art. 47), counted from 1 January after the case was closed; what the 年报 counts
stays."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from audit.models import Action, AuditEntry
from inforequests import retention, services
from inforequests.models import Case, CaseEvent, Notice, Outcome

from .factories import ADDRESS, APPLICANT_NAME, EMAIL, PERSON_ID, PHONE, make_case

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def two_years(settings):
    settings.INFOREQUESTS_KEEP_PARTICULARS_YEARS = 2


def closed(*, replied_on=D(2024, 12, 31), archive=True):
    case, code = make_case(received_on=replied_on - dt.timedelta(days=10), code=True)
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=replied_on, reply_text="予以公开")
    if archive:
        case = services.case_archive(case=case)
    return case, code


def stored_text():
    """Every text column of every row of the case tables, as the database holds it (decrypted
    by the model where it is encrypted)."""
    rows = []
    for model in (Case, Case.history.model, Notice, Notice.history.model):
        for row in model.objects.all():
            rows += [str(getattr(row, f.attname)) for f in model._meta.concrete_fields]
    return "\n".join(rows)


def test_an_archived_case_closed_in_2024_keeps_its_particulars_until_1_january_2027():
    case, _ = closed()
    assert retention.erase_expired_particulars(today=D(2026, 12, 31)) == []
    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == [case.number]

    case.refresh_from_db()
    assert (case.name, case.id_number, case.phone, case.address, case.email) == ("（已删除）", "", "", "", "")
    assert case.applicant_key == case.phone_key == "" and case.particulars_erased_on == D(2027, 1, 1)
    text = stored_text()
    for particular in (APPLICANT_NAME, PERSON_ID, PHONE, ADDRESS, EMAIL):
        assert particular not in text, particular
    # The notice addressed the applicant by name: it now reads as addressed to （已删除）.
    assert case.notices.get(key="receipt").body.startswith("（已删除）：")
    # What the 年报 counts and the case's own trail stay.
    assert (case.applicant_type, case.outcome, case.replied_on) == ("person", "granted", D(2024, 12, 31))
    assert case.events.filter(action="删除申请人信息", effective_on=D(2027, 1, 1)).exists()
    assert AuditEntry.objects.filter(action=Action.DELETE, detail__contains="删除了 1 件申请的申请人信息").exists()
    # Once is enough.
    assert retention.erase_expired_particulars(today=D(2027, 6, 1)) == []


def test_open_answered_recent_and_kept_for_good_cases_keep_their_particulars(settings):
    answered, _ = closed(archive=False)  # answered, not archived: the files are not closed
    recent, _ = closed(replied_on=D(2025, 1, 2))
    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == []
    assert retention.erase_expired_particulars(today=D(2028, 1, 1)) == [recent.number]
    settings.INFOREQUESTS_KEEP_PARTICULARS_YEARS = 0
    services.case_archive(case=answered)
    assert retention.erase_expired_particulars(today=D(2040, 1, 1)) == []
    answered.refresh_from_db()
    assert answered.name == APPLICANT_NAME and answered.particulars_erased_on is None


def test_once_erased_the_case_is_no_longer_found_by_the_query_code_and_a_tail(client):
    """The tail of a phone or ID number is the lookup's second factor: with none kept, the
    查询码 alone does not open the case (its request and reply may name the applicant)."""
    case, code = closed()
    lookup = {"query_code": code, "tail": PHONE[-4:]}
    assert case.number in client.post("/disclosures/apply/status/", lookup).content.decode()
    retention.erase_expired_particulars(today=D(2027, 1, 1))
    for tail in (PHONE[-4:], "", "    "):
        assert case.number not in client.post("/disclosures/apply/status/", {**lookup, "tail": tail}).content.decode()


def test_the_daily_command_says_what_it_erased_and_may_be_tried_first():
    case, _ = closed()
    out = io.StringIO()
    # 16:05 UTC on 31 December is 00:05 on 1 January in Beijing: the period is over there.
    with time_machine.travel(dt.datetime(2026, 12, 31, 16, 5, tzinfo=dt.UTC), tick=False):
        call_command("erase_expired_particulars", "--dry-run", stdout=out)
        case.refresh_from_db()
        assert case.name == APPLICANT_NAME
        call_command("erase_expired_particulars", stdout=out)
    assert f"{case.number}\n保存期限 2 年：将删除 1 件申请的申请人信息。" in out.getvalue()
    assert out.getvalue().endswith(f"{case.number}\n保存期限 2 年：已删除 1 件申请的申请人信息。\n")
    case.refresh_from_db()
    assert case.name == "（已删除）"


def test_erasing_costs_a_fixed_number_of_queries_per_batch(django_assert_max_num_queries):
    for day in (1, 2, 3):
        closed(replied_on=D(2024, 3, day))
    with django_assert_max_num_queries(15):
        assert len(retention.erase_expired_particulars(today=D(2027, 1, 1))) == 3


def test_particulars_corrected_while_the_case_was_open_are_erased_too():
    """A name corrected after the receipt was issued: the receipt addresses the applicant by the
    name as first typed, and the 办理记录 gives staff's reason, which may quote the value
    (“应为王小五”). Neither may outlive the period."""
    case = make_case(received_on=D(2024, 12, 2))
    case.name, case.phone = "王小五", "13800001111"
    services.case_correct_applicant(case=case, changed=["name", "phone"], reason="登记时录错，应为王小五 13800001111")
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2024, 12, 20), reply_text="予以公开")
    services.case_archive(case=case)

    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == [case.number]
    events = [row.reason for model in (CaseEvent, CaseEvent.history.model) for row in model.objects.all()]
    text = stored_text() + "\n".join(events)
    for particular in (APPLICANT_NAME, "王小五", "13800001111", PHONE):
        assert particular not in text, particular
    # What was corrected stays in the trail: the fields, as the applicant's status page says.
    assert case.events.get(action="更正申请人信息").reason == "申请人姓名/名称、联系电话"


def test_erased_particulars_cannot_be_typed_back_in(client):
    from django.core.exceptions import ValidationError

    from tests.staff import sign_in_staff

    from .factories import staff_user

    case, _ = closed()
    retention.erase_expired_particulars(today=D(2027, 1, 1))
    case.refresh_from_db()
    case.name = APPLICANT_NAME
    with pytest.raises(ValidationError, match="按保存期限删除"):
        services.case_correct_applicant(case=case, changed=["name"], reason="补录")
    sign_in_staff(client, staff_user("clerk", case.agency))
    html = client.get(f"/admin/inforequests/case/{case.pk}/change/").content.decode()
    assert 'name="name"' not in html and 'name="id_number"' not in html and 'name="phone"' not in html
