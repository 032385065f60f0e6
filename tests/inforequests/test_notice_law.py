"""Each 告知书 says which rule it rests on, and the statement of rights matches the outcome:
against 不予公开 (部分公开 too) the 行政复议法 of 2023 puts 复议 before a lawsuit."""

import datetime as dt

import pytest

from inforequests import notices, selectors, services
from inforequests.models import NoticeTemplate, Outcome, Pause

from .factories import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]
D = dt.date
LAW = "《中华人民共和国政府信息公开条例》"

CITED = {
    Outcome.GRANTED: "第三十六条第（一）项、第（二）项",
    Outcome.PARTIAL: "第三十七条",
    Outcome.DENIED_SECRET: "第十四条，依法确定为国家秘密",
    Outcome.DENIED_LAW: "第十四条，法律、行政法规禁止公开",
    Outcome.DENIED_SAFETY: "第十四条，公开后可能危及国家安全、公共安全、经济安全、社会稳定",
    Outcome.DENIED_THIRD_PARTY: "第十五条",
    Outcome.DENIED_INTERNAL: "第十六条第一款",
    Outcome.DENIED_PROCESS: "第十六条第二款",
    Outcome.DENIED_ENFORCEMENT: "第十六条第二款，行政执法案卷",
    Outcome.DENIED_QUERY: "第三十六条第（七）项",
    Outcome.UNABLE_NOT_HELD: "第三十六条第（四）项、第（五）项",
    Outcome.UNABLE_NEEDS_MAKING: "第三十八条",
    Outcome.UNABLE_UNCLEAR: "第二十九条第二款、第三十条",
    Outcome.NOT_PROCESSED_PETITION: "第三十九条第一款",
    Outcome.NOT_PROCESSED_REPEAT: "第三十六条第（六）项",
    Outcome.NOT_PROCESSED_PUBLICATION: "第三十九条第二款",
    Outcome.NOT_PROCESSED_EXCESSIVE: "第三十五条",
    Outcome.NOT_PROCESSED_CONFIRM: "第三十八条",
    Outcome.OTHER_NO_CORRECTION: "第三十条",
}


def _render(key):
    return notices.render(
        key, name="张某", number="GD-YSQ-2026-00001", title="某信息", received_on="2026年12月1日", reply="答复。"
    )[1]


@pytest.mark.parametrize("outcome", list(CITED))
def test_every_answer_cites_its_article_of_the_regulations(outcome):
    assert f"{LAW}{CITED[outcome]}" in _render(outcome)


# The statute's own words, where a notice had put it in its own (政府信息公开条例, 2019).
STATUTE = {
    Outcome.GRANTED: "所申请公开信息已经主动公开的，告知申请人获取该政府信息的方式、途径；",
    Outcome.UNABLE_NEEDS_MAKING: "需要行政机关对现有政府信息进行加工、分析的，行政机关可以不予提供。",
    Outcome.NOT_PROCESSED_PETITION: "申请人以政府信息公开申请的形式进行信访、投诉、举报等活动，"
    "行政机关应当告知申请人不作为政府信息公开申请处理并可以告知通过相应渠道提出。",
    Outcome.NOT_PROCESSED_PUBLICATION: "申请人提出的申请内容为要求行政机关提供政府公报、报刊、书籍等公开出版物的，"
    "行政机关可以告知获取的途径。",
}


@pytest.mark.parametrize("outcome", list(STATUTE))
def test_a_quoted_article_is_the_statutes_own_words(outcome):
    assert STATUTE[outcome] in _render(outcome)


def test_unpaid_cites_the_fee_rules_and_a_withdrawal_cites_none():
    assert "国办函〔2020〕109号" in _render(Outcome.OTHER_UNPAID)
    assert LAW not in _render(Outcome.OTHER)


def test_a_withdrawal_is_told_as_an_end_not_as_a_decision_to_contest():
    """It read "经审查，办理结果为：其他处理：其他" with the rights to contest it: the agency had
    decided nothing."""
    case = services.case_withdraw(case=make_case(received_on=D(2026, 11, 2)), withdrawn_on=D(2026, 11, 3))
    notice = case.notices.get(key="withdrawal")
    assert notice.title == "终止办理告知书" and "撤回申请，本机关终止办理" in notice.body
    assert "经审查" not in notice.body and "行政复议" not in notice.body
    assert case.outcome == Outcome.OTHER


def test_a_withdrawal_letter_speaks_to_the_applicant_and_keeps_staffs_note_to_staff():
    """It read "申请人于…撤回申请…（电话撤回，经办人李四记录）": the applicant in the third person,
    and staff's note printed in the letter, the mail and on the status page."""
    case = make_case(received_on=D(2026, 11, 2))
    case = services.case_withdraw(case=case, withdrawn_on=D(2026, 11, 3), note="电话撤回，经办人李四记录")
    notice = case.notices.get(key="withdrawal")
    assert "您于2026年11月3日撤回申请，本机关终止办理。" in notice.body and "李四" not in notice.body
    event = case.events.get(action="申请人撤回")
    assert "电话撤回，经办人李四记录" in event.reason  # kept for staff
    shown = [e.reason for e in selectors.events_for_applicant(case)]
    assert not any("李四" in reason for reason in shown) and "其他处理：其他" in shown


def test_a_template_citing_the_article_itself_is_not_cited_twice():
    NoticeTemplate.objects.create(
        key=Outcome.DENIED_SECRET, title="答复", body="{name}：\n依据条例第十四条，该信息属于国家秘密，不予公开。"
    )
    body = _render(Outcome.DENIED_SECRET)
    assert body.count("第十四条") == 1


def test_an_article_in_the_applicants_own_words_does_not_stand_for_the_basis():
    """The check for a template citing the article read the filled-in text: a request titled
    "《某办法》第十四条的执行情况" took the 第十四条 basis off a refusal."""
    body = notices.render(
        Outcome.DENIED_SECRET, name="张某", number="N", title="《某办法》第十四条的执行情况", received_on="", reply=""
    )[1]
    assert f"{LAW}第十四条，依法确定为国家秘密" in body


@pytest.mark.parametrize("outcome", [o for o in Outcome if o == Outcome.PARTIAL or o.label.startswith("不予公开")])
def test_against_a_refusal_reconsideration_comes_before_a_lawsuit(outcome):
    body = _render(outcome)
    assert "应当先自收到本告知书之日起六十日内依法申请行政复议" in body
    assert "对行政复议决定不服的，可以自收到行政复议决定书之日起十五日内依法向人民法院提起行政诉讼" in body
    # 行政诉讼法 Art. 45's second way, the only one left when the 复议机关 does not decide in time.
    assert "行政复议机关逾期不作决定的，可以在复议期满之日起十五日内依法向人民法院提起行政诉讼" in body
    assert "或者自收到本告知书之日起六个月内" not in body


@pytest.mark.parametrize("outcome", [Outcome.GRANTED, Outcome.UNABLE_NOT_HELD, Outcome.NOT_PROCESSED_REPEAT])
def test_other_answers_keep_both_ways(outcome):
    body = _render(outcome)
    assert "六十日内依法申请行政复议，或者自收到本告知书之日起六个月内依法向人民法院提起行政诉讼" in body
    assert "应当先" not in body


def test_the_steps_before_an_answer_cite_their_articles():
    case = make_case(received_on=D(2026, 11, 2))
    services.case_request_correction(case=case, notice_on=D(2026, 11, 3), reason="请写明年份。")
    case = services.case_receive_correction(case=case, received_on=D(2026, 11, 4))
    services.case_start_consultation(
        case=case, kind=Pause.Kind.AGENCY, party="区财政局", started_on=D(2026, 11, 5), reason=""
    )
    case = services.case_end_consultation(case=case, ended_on=D(2026, 11, 6))
    services.case_extend(case=case, days=10, approver="王主任", reason="需调取档案", on=D(2026, 11, 9))
    bodies = dict(case.notices.values_list("key", "body"))
    assert f"{LAW}第三十三条第二款" in bodies["receipt"]
    assert f"{LAW}第三十条" in bodies["correction"] and "一次性告知" in bodies["correction"]
    assert f"{LAW}第三十二条、第三十四条、第三十三条第三款" in bodies["consultation"]
    assert f"{LAW}第三十三条第二款" in bodies["extension"] and "最长不得超过20个工作日" in bodies["extension"]
