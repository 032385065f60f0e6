"""Outcomes that name what happened on a case are counted in their own row of 年报 table 三:
the case must have gone that way."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from inforequests import services
from inforequests.models import Outcome

from .factories import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]
D = dt.date


def test_still_unclear_after_correction_needs_a_correction_received():
    """(四)无法提供 3.补正后申请内容仍不明确: only after the applicant's 补正 came in."""
    case = make_case(received_on=D(2026, 11, 2))
    with pytest.raises(ValidationError) as refused:
        services.case_reply(case=case, outcome=Outcome.UNABLE_UNCLEAR, replied_on=D(2026, 11, 20), reply_text="不明确")
    assert "补正后申请内容仍不明确" in refused.value.message_dict["outcome"][0]

    case = services.case_request_correction(case=case, notice_on=D(2026, 11, 3), reason="请写明文件名称")
    case = services.case_receive_correction(case=case, received_on=D(2026, 11, 10))
    case = services.case_reply(
        case=case, outcome=Outcome.UNABLE_UNCLEAR, replied_on=D(2026, 11, 20), reply_text="补正后仍不明确"
    )
    assert case.outcome == Outcome.UNABLE_UNCLEAR


def test_a_request_withdrawn_while_a_correction_or_fee_is_awaited_is_other_not_lapsed(client):
    """撤回 is (六)其他处理 3.其他, in the year of the withdrawal, from any open state: waiting for
    the 补正 or the fee to lapse would count it as 逾期不补正 / 逾期未缴费, which it is not."""
    from inforequests.models import Case, Pause
    from tests.staff import sign_in_staff

    from .factories import CREDIT_CODE, staff_user

    in_correction = make_case(received_on=D(2026, 11, 2))
    in_correction = services.case_request_correction(case=in_correction, notice_on=D(2026, 11, 3), reason="请写明文号")
    with pytest.raises(ValidationError) as refused:
        services.case_withdraw(case=in_correction, withdrawn_on=D(2026, 11, 2))  # before the 补正 notice
    assert "撤回日期不能早于2026年11月3日" in refused.value.message_dict["withdrawn_on"][0]
    withdrawn = services.case_withdraw(case=in_correction, withdrawn_on=D(2026, 11, 9), note="电话告知")
    assert (withdrawn.state, withdrawn.outcome, withdrawn.replied_on) == (
        Case.State.ANSWERED,
        Outcome.OTHER,
        D(2026, 11, 9),
    )
    assert "撤回申请" in withdrawn.reply_text and not withdrawn.pauses.filter(ended_on__isnull=True).exists()

    consulting = make_case(received_on=D(2026, 11, 2))
    consulting = services.case_start_consultation(
        case=consulting, kind=Pause.Kind.THIRD_PARTY, party="某公司", started_on=D(2026, 11, 4)
    )
    with pytest.raises(services.TransitionNotAllowed):  # a reply still waits for the opinion
        services.case_reply(case=consulting, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 5), reply_text="公开")
    assert services.case_withdraw(case=consulting, withdrawn_on=D(2026, 11, 5)).outcome == Outcome.OTHER

    # Through the staff page: offered on an open case awaiting its fee, refused once closed.
    company = dict(applicant_type="commercial", id_type="credit_code", id_number=CREDIT_CODE)
    awaiting_fee = make_case(received_on=D(2026, 11, 2), items=[f"事项{n}" for n in range(1, 12)], **company)
    awaiting_fee = services.case_request_fee(case=awaiting_fee, notice_on=D(2026, 11, 3))
    sign_in_staff(client, staff_user("clerk", awaiting_fee.agency))
    url = f"/disclosures/apply/staff/{awaiting_fee.pk}/"
    assert "申请人撤回申请" in client.get(url).content.decode()
    typo = client.post(url, {"action": "withdraw", "withdraw-withdrawn_on": "2026-13-01", "withdraw-note": "来函撤回"})
    assert typo.status_code == 400 and "撤回日期格式不正确" in typo.content.decode()
    assert "来函撤回" in typo.content.decode()  # what was typed is kept
    done = client.post(url, {"action": "withdraw", "withdraw-withdrawn_on": "2026-11-06", "withdraw-note": "来函撤回"})
    assert done.status_code == 302
    awaiting_fee.refresh_from_db()
    assert (awaiting_fee.outcome, awaiting_fee.replied_on) == (Outcome.OTHER, D(2026, 11, 6))
    assert "申请人撤回申请" not in client.get(url).content.decode()
    with pytest.raises(services.TransitionNotAllowed):
        services.case_withdraw(case=awaiting_fee, withdrawn_on=D(2026, 11, 7))


def test_a_withdrawal_is_not_dated_before_the_cases_last_step(client):
    """A 补正 received on 10 November, or a consultation ended on 12 November, then a withdrawal
    dated before it: the steps read out of order (closed before its own 补正 arrived), refused
    beside the date, with what was typed kept."""
    from inforequests.models import Pause
    from tests.staff import sign_in_staff

    from .factories import staff_user

    case = make_case(received_on=D(2026, 11, 2))
    case = services.case_request_correction(case=case, notice_on=D(2026, 11, 3), reason="请写明文号")
    case = services.case_receive_correction(case=case, received_on=D(2026, 11, 10))
    with pytest.raises(ValidationError) as refused:
        services.case_withdraw(case=case, withdrawn_on=D(2026, 11, 5))
    assert "撤回日期不能早于2026年11月10日" in refused.value.message_dict["withdrawn_on"][0]

    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.THIRD_PARTY, party="某公司", started_on=D(2026, 11, 11)
    )
    case = services.case_end_consultation(case=case, ended_on=D(2026, 11, 12))
    sign_in_staff(client, staff_user("clerk", case.agency))
    url = f"/disclosures/apply/staff/{case.pk}/"
    early = client.post(url, {"action": "withdraw", "withdraw-withdrawn_on": "2026-11-11", "withdraw-note": "来函撤回"})
    page = early.content.decode()
    assert early.status_code == 400 and "撤回日期不能早于2026年11月12日" in page and "来函撤回" in page
    case.refresh_from_db()
    assert case.is_open
    assert services.case_withdraw(case=case, withdrawn_on=D(2026, 11, 12)).replied_on == D(2026, 11, 12)


def test_only_answers_count_in_the_days_taken_and_the_on_time_rate():
    """公开统计's 办理用时中位数 and 按期答复率 measure the agency's answers: a request withdrawn
    or closed because the applicant let their time pass was never answered, and counted as an
    answer on time (a lapse has no due date) it made the agency look faster than it is."""
    from inforequests.selectors import agency_statistics

    late = make_case(received_on=D(2026, 9, 1))  # due in October, before the 15th
    late = services.case_reply(case=late, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 15), reply_text="公开")
    assert late.due_on < D(2026, 10, 15) and late.answered_on_time is False
    withdrawn = services.case_withdraw(
        case=make_case(agency=late.agency, received_on=D(2026, 9, 1)), withdrawn_on=D(2026, 9, 2)
    )
    lapsing = services.case_request_correction(
        case=make_case(agency=late.agency, received_on=D(2026, 9, 1)), notice_on=D(2026, 9, 2), reason="请补正"
    )
    lapsed = services.case_close_lapsed(case=lapsing, today=lapsing.waiting_until + dt.timedelta(days=1))
    for closed in (withdrawn, lapsed):
        assert (closed.answered_on_time, closed.answer_working_days) == (None, None)
    figures = agency_statistics(agency=late.agency)
    assert (figures.on_time_rate, figures.median_days) == (0.0, late.answer_working_days)


def test_the_migration_takes_earlier_lapses_out_of_the_timing():
    import importlib

    from django.apps import apps

    lapsing = services.case_request_correction(
        case=make_case(received_on=D(2026, 9, 1)), notice_on=D(2026, 9, 2), reason="请补正"
    )
    lapsed = services.case_close_lapsed(case=lapsing, today=lapsing.waiting_until + dt.timedelta(days=1))
    answered = services.case_reply(
        case=make_case(agency=lapsed.agency, received_on=D(2026, 9, 1)),
        outcome=Outcome.GRANTED,
        replied_on=D(2026, 9, 10),
        reply_text="公开",
    )
    type(lapsed).objects.filter(pk=lapsed.pk).update(answer_working_days=40, answered_on_time=True)  # as before
    importlib.import_module("inforequests.migrations.0006_lapses_are_not_answers").forget_timing(apps, None)
    lapsed.refresh_from_db()
    assert (lapsed.answer_working_days, lapsed.answered_on_time) == (None, None)
    before = (answered.answer_working_days, answered.answered_on_time)
    answered.refresh_from_db()
    assert (answered.answer_working_days, answered.answered_on_time) == before != (None, None)


def test_an_answer_is_not_dated_before_the_cases_last_step():
    case = make_case(received_on=D(2026, 11, 2))
    case = services.case_request_correction(case=case, notice_on=D(2026, 11, 3), reason="请写明文件名称")
    case = services.case_receive_correction(case=case, received_on=D(2026, 11, 10))
    with pytest.raises(ValidationError) as refused:  # before the 补正 it answers
        services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 6), reply_text="公开")
    assert refused.value.message_dict["replied_on"] == ["答复日期不能早于2026年11月10日。"]
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 10), reply_text="公开")
    assert case.replied_on == D(2026, 11, 10)
