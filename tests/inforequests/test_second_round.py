"""What a second tester broke in 依申请公开: a stray brace in an edited 告知书 failed every
registration; 转为主动公开 named the record after the applicant's own words (their name in it);
a case could be charged twice, split after paying, and given steps dated in the future or before
what they follow; the days an answer took counted the 征求意见 pause; no 征求意见告知书."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from inforequests import services
from inforequests.models import Case, NoticeTemplate, Outcome, Pause
from inforequests.notices import template_for

from .factories import APPLICANT_NAME, make_case

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)  # noon in Shanghai


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_a_brace_typed_in_a_notice_template_is_text_not_a_failed_registration():
    template = template_for("receipt")
    template.body += "\n咨询电话：0871-12345678（工作日9:00-17:00}"
    template.save()
    case = make_case(received_on=D(2026, 11, 2))
    assert "17:00}" in case.notices.get(key="receipt").body and APPLICANT_NAME in case.notices.get().body
    template.body = "{nmae}：您的申请已登记。"
    with pytest.raises(ValidationError, match=r"没有这样的占位：\{nmae\}"):
        template.full_clean()
    assert NoticeTemplate(key="x", title="t", body="{name}：{number}，{due}。").full_clean() is None


def _answered_and_published(case):
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 20), reply_text="予以公开")
    return services.case_publish(case=case, request_text="申请人所需的道路养护计划", reply_text="予以公开")


def test_promotion_into_the_catalogue_needs_a_title_of_staffs_own_without_the_applicant():
    case = _answered_and_published(make_case(received_on=D(2026, 11, 2)))  # consenting, as made
    with pytest.raises(ValidationError) as refused:
        services.case_promote_to_catalogue(case=case)
    assert "不要沿用申请人填写的" in refused.value.message_dict["title"][0]
    with pytest.raises(ValidationError, match="含申请人姓名"):
        services.case_promote_to_catalogue(case=case, title=f"{APPLICANT_NAME}本人申请的道路养护计划")
    case = services.case_promote_to_catalogue(case=case, title="2026年道路养护计划")
    assert case.promoted_record.title == "2026年道路养护计划"


def _charged(received_on=D(2026, 11, 3)):
    agency = make_case(received_on=received_on).agency
    for _ in range(9):
        make_case(agency=agency, received_on=received_on)
    return make_case(agency=agency, received_on=received_on)  # the eleventh this month


def test_a_case_is_charged_once_and_not_split_once_charged():
    case = services.case_request_fee(case=_charged(), notice_on=D(2026, 11, 4))
    case = services.case_record_payment(case=case, paid_on=D(2026, 11, 5))
    with pytest.raises(services.TransitionNotAllowed, match="一件申请只收费一次"):
        services.case_request_fee(case=case, notice_on=D(2026, 11, 6))
    with pytest.raises(services.TransitionNotAllowed, match="不能再拆分"):
        services.case_split(case=case, descriptions=["事项一", "事项二", "事项三"])
    case.refresh_from_db()
    assert (case.fee_amount, case.items.count()) == (100, 1)


def test_steps_are_not_dated_in_the_future_or_before_what_they_follow():
    case = _charged()
    with pytest.raises(ValidationError, match="不能早于"):
        services.case_request_fee(case=case, notice_on=D(2026, 11, 2))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.case_request_fee(case=case, notice_on=D(2026, 12, 6))
    case = services.case_request_fee(case=case, notice_on=D(2026, 11, 10))
    with pytest.raises(ValidationError, match="不能早于"):
        services.case_record_payment(case=case, paid_on=D(2026, 11, 9))
    case = services.case_record_payment(case=case, paid_on=D(2026, 11, 11))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2027, 3, 1), reply_text="予以公开")


def test_the_days_an_answer_took_leave_out_the_consultation_and_it_is_told():
    case = make_case(received_on=D(2026, 11, 2))  # Monday
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.THIRD_PARTY, party="某公司", started_on=D(2026, 11, 4)
    )
    notice = case.notices.get(key="consultation")
    assert "征求意见所需时间不计算在答复期限内" in notice.body and "某公司" not in notice.body
    case = services.case_end_consultation(case=case, ended_on=D(2026, 11, 11))
    case = services.case_reply(
        case=case,
        outcome=Outcome.GRANTED,
        replied_on=D(2026, 11, 20),
        reply_text="予以公开",
        third_party_reason="第三方同意公开。",  # Art. 32: the third party is told (test_third_round)
    )
    # Counted: 3, 4 Nov; (5–11 Nov paused); 12, 13, 16–20 Nov = 2 + 7 = 9 (not the 14 in between).
    assert case.answer_working_days == 9
    assert Case.objects.get(pk=case.pk).answered_on_time


@pytest.mark.parametrize(
    "outcome, message",
    [
        (Outcome.OTHER_NO_CORRECTION, "没有发出过补正通知"),
        (Outcome.OTHER_UNPAID, "没有发出过收费通知"),
        (Outcome.NOT_PROCESSED_REPEAT, "请先关联原申请"),
    ],
)
def test_an_outcome_that_names_what_happened_needs_it_to_have_happened(outcome, message):
    case = make_case(received_on=D(2026, 11, 2))
    with pytest.raises(ValidationError, match=message):
        services.case_reply(case=case, outcome=outcome, replied_on=D(2026, 11, 20), reply_text="不予处理")
    assert Case.objects.get(pk=case.pk).state == Case.State.REGISTERED
