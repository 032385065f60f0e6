"""Applicants' particulars are erased once an archived case has been kept its period
(个人信息保护法 Art. 47), counted from 1 January after the case was closed; what the 年报 counts
stays."""

import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Action, AuditEntry
from inforequests import retention, services
from inforequests.models import Case, CaseEvent, Notice, Outcome, Pause, Reanswer

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


def consulted_and_erased(*, party, note):
    """A case whose third party `party` was consulted, staff noting `note` when it answered;
    answered, archived in 2024 and erased on 1 January 2027."""
    case = make_case(received_on=D(2024, 11, 4))
    day = D(2024, 11, 5)
    case = services.case_start_consultation(case=case, kind=Pause.Kind.THIRD_PARTY, party=party, started_on=day)
    case = services.case_end_consultation(case=case, ended_on=day, note=note)
    case = services.case_reply(
        case=case, outcome=Outcome.GRANTED, replied_on=day, reply_text="予以公开", third_party_reason="同意"
    )
    services.case_archive(case=case)
    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == [case.number]
    return case


def stored_text():
    """Every column of every row of every table of the app (the cases, their notices, events,
    pauses, items, reminders and the history of each), as the database holds it (decrypted by
    the model where it is encrypted)."""
    rows = []
    for model in apps.get_app_config("inforequests").get_models():
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


def test_a_case_answered_again_is_kept_from_its_last_answer():
    """Closed in 2024, ordered to answer again (重新答复) and answered again in 2025: kept until
    1 January 2028, not 2027; while it is being answered again it is not archived at all."""
    case, _ = closed()
    case = services.case_reopen_for_reanswer(
        case=case,
        basis=Reanswer.Basis.RECONSIDERATION,
        order_reference="官府复决字〔2025〕3号",
        order_date=D(2025, 3, 3),
        served_on=D(2025, 3, 5),
        reason="原答复未说明理由。",
    )
    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == []
    case = services.case_reanswer(
        case=case, outcome=Outcome.PARTIAL, replied_on=D(2025, 3, 20), reply_text="部分公开。"
    )
    case = services.case_archive(case=case)
    assert retention.erase_expired_particulars(today=D(2027, 12, 31)) == []
    assert retention.erase_expired_particulars(today=D(2028, 1, 1)) == [case.number]


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


def test_erasing_costs_a_fixed_number_of_queries_per_batch():
    """However many cases a batch holds, and with every kind of row the erasure rewrites: the
    notices (a third party's too), the staff's reasons, the third parties, the history."""

    def erase(count, year):
        for _ in range(count):
            consulted(received_on=D(year, 11, 4))
        with CaptureQueriesContext(connection) as queries:
            assert len(retention.erase_expired_particulars(today=D(year + 3, 1, 1))) == count
        return len(queries)

    few = erase(2, 2023)
    assert erase(5, 2024) == few <= 27  # two of them read the 重新答复 rounds and their history


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


THIRD_PARTY = "李第三方"
THIRD_PARTY_LINE = f"{THIRD_PARTY}（联系电话 0871-6512 3456，地址：测试市和平路9号）"


def consulted(*, received_on=D(2024, 11, 4)):
    """A case whose request concerned a third party, asked in writing (Art. 32) and told of the
    disclosure, and another agency asked too; staff's notes name the third party."""
    case = make_case(received_on=received_on)
    day = received_on + dt.timedelta(days=1)
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.THIRD_PARTY, party=THIRD_PARTY_LINE, started_on=day, reason="涉及其经营信息"
    )
    case = services.case_end_consultation(
        case=case, ended_on=day + dt.timedelta(days=7), note=f"{THIRD_PARTY}来函同意公开，电话 0871 65123456"
    )
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.AGENCY, party="测试区档案馆", started_on=day + dt.timedelta(days=8)
    )
    case = services.case_end_consultation(case=case, ended_on=day + dt.timedelta(days=9))
    case = services.case_reply(
        case=case,
        outcome=Outcome.GRANTED,
        replied_on=day + dt.timedelta(days=10),
        reply_text="予以公开",
        third_party_reason=f"{THIRD_PARTY}已书面同意",
    )
    return services.case_archive(case=case)


def test_a_third_partys_name_and_contact_data_go_with_the_applicants():
    """征求意见 (Art. 32): the third party's name and contact data are in the pause, the letters
    addressed to it, the 办理记录 and the history; none of it outlives the period."""
    case = consulted()
    assert THIRD_PARTY in stored_text()
    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == [case.number]

    text = stored_text()
    for particular in (THIRD_PARTY, "6512 3456", "65123456", "0871-6512", "和平路9号", APPLICANT_NAME):
        assert particular not in text, particular
    letters = case.notices.filter(addressee=Notice.Addressee.THIRD_PARTY)
    assert letters.count() == 2 and all(letter.body.startswith("〔已删除〕") for letter in letters)
    # Whom the agency asked stays when it is an agency; which kind of consultation stopped the
    # clock stays (the statistics and the status page's steps), as does when.
    pauses = list(case.pauses.values_list("kind", "party"))
    assert pauses == [(Pause.Kind.THIRD_PARTY, "〔已删除〕"), (Pause.Kind.AGENCY, "测试区档案馆")]
    assert case.events.filter(action="征求意见").first().reason == "征求第三方意见：〔已删除〕；涉及其经营信息"
    assert (
        case.events.get(action="征求意见结束", reason__contains="来函").reason
        == "〔已删除〕来函同意公开，电话 〔已删除〕"
    )


def test_a_third_partys_contact_person_written_after_its_label_goes_on_its_own():
    """“联系人李四”, as staff type a party: 李四 is a particular without its label (the words that
    label the parts stay: they are in every reply). particulars.party_particulars is the guard's
    too."""
    case = consulted_and_erased(party="某某建材有限公司（联系人李四，负责人王五）", note="李四来电同意公开，王五签字")
    note = case.events.get(action="征求意见结束").reason
    assert note == "〔已删除〕来电同意公开，〔已删除〕签字"


def test_every_text_addressed_to_the_applicant_loses_every_name_and_address_the_case_had(client):
    """A name and an address corrected while the case was open: the receipt gives the name as
    first typed, the 补正 notice and the reply quote the addresses; the notices' pages and PDFs
    are rendered from what is stored."""
    from tests.staff import sign_in_staff

    from .factories import staff_user
    from .test_notice_pdf import pdf_text

    case = make_case(received_on=D(2024, 12, 2))
    case = services.case_request_correction(
        case=case, notice_on=D(2024, 12, 3), reason=f"请写明{ADDRESS}的房屋是哪一间"
    )
    case = services.case_receive_correction(case=case, received_on=D(2024, 12, 5))
    case.name, case.address = "王小五", "测试市新华路1号"
    services.case_correct_applicant(case=case, changed=["name", "address"], reason="申请人来电更正")
    reply = "王 小五：您申请的测试市 新华路1号及测试市幸福路８８号３单元的房屋信息予以公开。"
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2024, 12, 20), reply_text=reply)
    case = services.case_archive(case=case)

    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == [case.number]
    case.refresh_from_db()
    particulars = (APPLICANT_NAME, "王小五", "王 小五", ADDRESS, "测试市新华路1号", "新华路1号", "幸福路８８号")
    sign_in_staff(client, staff_user("clerk", case.agency))
    pages = []
    for notice in case.notices.all():
        response = client.get(f"/disclosures/apply/staff/notices/{notice.pk}/")
        assert response.status_code == 200 and notice.title in pdf_text(notice)
        pages += [response.content.decode(), pdf_text(notice)]
    assert len(pages) == 6 and all("（已删除）：" in page for page in pages)
    text = stored_text() + "\n".join(pages)
    for particular in particulars:
        assert particular not in text, particular
    assert case.reply_text == "〔已删除〕：您申请的〔已删除〕及〔已删除〕的房屋信息予以公开。"
    assert case.notices.get(key=Outcome.GRANTED).body.startswith("（已删除）：")


def test_staff_reasons_keep_their_words_without_any_particular_the_case_had():
    """Staff's reasons and notes on every step may quote the applicant: each particular the case
    has had goes, in any usual spelling (a phone in groups, full-width or read out in Chinese,
    an ID number in groups with a small x, an address with a space, an e-mail in capitals), and
    the rest of the reason stays; the 年报 counts the same."""
    from inforequests import selectors

    case = make_case(received_on=D(2024, 12, 2))
    case.phone = "0871-65123456"
    services.case_correct_applicant(case=case, changed=["phone"], reason="改为单位电话")
    # Long enough that the history row's reason (cut at 100 characters) ends inside the number.
    filler = "经与档案室核对，所需信息分散在多个年度的案卷中，需逐卷调阅并作隐私处理，工作量较大"
    reason = (
        f"{filler}；申请人张 测试申请人（电话139 1234 5678、１３９１２３４５６７８、幺三九幺二三四五六七八，"
        "单位电话 0871 6512 3456，身份证 110105 19491231 002x）来电同意，地址测试市 幸福路88号3单元，"
        f"邮箱 APPLICANT@EXAMPLE.COM。{PHONE}"
    )
    case = services.case_extend(case=case, days=10, approver="王主任", reason=reason, on=D(2024, 12, 4))
    case = services.case_reply(case=case, outcome=Outcome.PARTIAL, replied_on=D(2024, 12, 20), reply_text="部分公开")
    case = services.case_archive(case=case, note=f"已电话告知{APPLICANT_NAME}")
    report = selectors.annual_report(cases=Case.objects.all(), year=2024)
    cut = Case.history.model.objects.get(history_change_reason__startswith="延期答复").history_change_reason
    assert len(cut) == 100 and cut.endswith("１３９１２３４５")

    assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == [case.number]
    assert case.events.get(action="延期答复").reason == (
        f"延长10个工作日，负责人王主任批准：{filler}；申请人〔已删除〕（电话〔已删除〕、〔已删除〕、〔已删除〕，"
        "单位电话 〔已删除〕，身份证 〔已删除〕）来电同意，地址〔已删除〕，邮箱 〔已删除〕。〔已删除〕"
    )
    assert case.events.get(action="归档").reason == "已电话告知〔已删除〕"
    cut = Case.history.model.objects.get(history_change_reason__startswith="延期答复").history_change_reason
    assert cut.endswith(f"{filler}；申请人〔已删除〕（电话〔已删除〕、〔已删除〕")
    text = stored_text()
    for particular in (
        "139 1234",
        "１３９１２",
        "幺三九幺",
        "0871 6512",
        "65123456",
        "110105",
        "幸福路88号",
        "APPLICANT",
    ):
        assert particular not in text, particular
    assert selectors.annual_report(cases=Case.objects.all(), year=2024) == report
    assert list(case.events.values_list("action", flat=True)) == [
        "登记",
        "更正申请人信息",
        "延期答复",
        "答复",
        "归档",
        "删除申请人信息",
    ]


@pytest.mark.parametrize("kept_lookups", [False, True])
def test_a_queue_page_kept_before_the_erasure_is_not_shown_after_it(
    client, settings, kept_lookups, django_capture_on_commit_callbacks
):
    """The staff queue's tables are kept until the newest history row of the cases changes
    (ADR 0098): the erasure writes one, so the masked particulars are gone at once, not five
    minutes later. With a shared cache (KEPT_LOOKUPS) the kept version is renewed too."""
    from core.masking import mask, mask_name
    from tests.html import without_per_response
    from tests.staff import sign_in_staff

    from .factories import staff_user

    settings.KEPT_LOOKUPS = kept_lookups
    with django_capture_on_commit_callbacks(execute=True):
        case, _ = closed()
    sign_in_staff(client, staff_user("clerk", case.agency))
    masked = (mask_name(APPLICANT_NAME), mask(PERSON_ID))

    def archived_page():
        return without_per_response(client.get("/disclosures/apply/staff/", {"state": "archived"}).content.decode())

    before = archived_page()
    assert case.number in before and all(value in before for value in masked)
    assert archived_page() == before  # kept
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.erase_expired_particulars(today=D(2027, 1, 1)) == [case.number]
    after = archived_page()
    assert case.number in after and mask_name(retention.ERASED_NAME) in after
    for value in masked:
        assert value not in after, value


def test_a_case_answered_again_loses_its_particulars_from_the_new_answer_and_its_order_too():
    """The new answer of a 重新答复 is addressed to the applicant as the first one is, and the
    order's reason may quote them: both go with the rest, on the round and on its history."""
    case, _ = closed()
    case = services.case_reopen_for_reanswer(
        case=case,
        basis=Reanswer.Basis.RECONSIDERATION,
        order_reference="官府复决字〔2025〕3号",
        order_date=D(2025, 3, 3),
        served_on=D(2025, 3, 5),
        reason=f"申请人{APPLICANT_NAME}（电话{PHONE}）申请复议，原答复未说明理由。",
    )
    case = services.case_reanswer(
        case=case,
        outcome=Outcome.PARTIAL,
        replied_on=D(2025, 3, 20),
        reply_text=f"{APPLICANT_NAME}：经重新审查，部分公开。寄至{ADDRESS}。",
    )
    services.case_archive(case=case)
    assert retention.erase_expired_particulars(today=D(2028, 1, 1)) == [case.number]

    text = stored_text()
    for particular in (APPLICANT_NAME, PHONE, ADDRESS):
        assert particular not in text, particular
    round_ = case.reanswers.get()
    assert "经重新审查，部分公开。" in round_.reply_text and "原答复未说明理由。" in round_.reason


def test_a_third_partys_number_after_a_latin_word_goes_on_its_own():
    """“某某建材有限公司（Tel: 0871-65123456）”: the number is a particular without the word before
    it, so a note giving the number alone loses it too."""
    case = consulted_and_erased(party="某某建材有限公司（Tel: 0871-65123456）", note="来电0871-65123456同意公开")
    assert case.events.get(action="征求意见结束").reason == "来电〔已删除〕同意公开"
    assert "65123456" not in stored_text()
