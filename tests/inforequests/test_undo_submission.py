"""An online application can be taken back from its receipt within 10 minutes of sending it
(《互联网网站适老化通用设计规范》2.6.1: a legal submission is reversible for 10 minutes), while
nobody has acted on it: closed as the applicant's withdrawal, on record, the handlers told."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from inforequests import services
from inforequests.models import Case, Outcome

from .factories import staff_user
from .test_public import STATUS, agency, confirm, form_data  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
RECEIPT = "/disclosures/apply/receipt/"
SENT = dt.datetime(2026, 12, 7, 15, 58, tzinfo=dt.UTC)  # 23:58 in Beijing: undone the next day there


def sent(client, organization):
    staff_user("clerk", organization)  # told of the new case, and of its withdrawal
    with time_machine.travel(SENT, tick=False):
        assert confirm(client, form_data(organization)).status_code == 302
        code = re.search(r'class="query-code">([A-Z0-9-]+)<', client.get(RECEIPT).content.decode()).group(1)
    mail.outbox.clear()
    return Case.objects.get(), code


def test_the_receipt_offers_to_take_the_application_back_and_asks_first(
    client,
    agency,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    case, code = sent(client, agency)
    with time_machine.travel(SENT + dt.timedelta(minutes=9), tick=False):
        receipt = client.get(RECEIPT).content.decode()
        assert "可在提交后10分钟内（00:08前）" in receipt and f'href="{RECEIPT}?undo=1#undo"' in receipt
        asked = client.get(RECEIPT + "?undo=1").content.decode()
        assert "确定撤回本次申请吗？" in asked and 'name="undo"' in asked
        assert Case.objects.get().state == Case.State.REGISTERED  # asking changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(RECEIPT, {"undo": "1"})
    assert done.status_code == 302 and done["Location"] == RECEIPT
    case.refresh_from_db()
    assert case.outcome == Outcome.OTHER and case.replied_on == dt.date(2026, 12, 8)  # Beijing's day
    event = case.events.get(action="申请人撤回")
    assert "提交后10分钟内于受理回执页在线撤回" in event.reason
    [told] = [message for message in mail.outbox if message.to == ["clerk@example.com"]]
    assert told.subject == f"政府信息公开申请 {case.number} 已撤回"
    assert {message.to[0] for message in mail.outbox} == {"clerk@example.com", form_data(agency)["email"]}
    # The receipt opens for 30 minutes after sending: read at a pinned moment, not at whatever
    # hour and date the tests run.
    with time_machine.travel(SENT + dt.timedelta(minutes=11), tick=False):
        receipt = client.get(RECEIPT).content.decode()
        assert "您已撤回本次申请" in receipt and "撤回本次申请</a>" not in receipt
        # Nothing on it says any more that the application stands or will be answered.
        assert "申请已提交" not in receipt and "答复期限" not in receipt
        assert "申请人已于2026年12月8日撤回申请，终止办理" in receipt and code in receipt
        status = client.post(STATUS, {"query_code": code, "tail": form_data(agency)["phone"][-4:]}).content.decode()
    assert "撤回申请，本机关终止办理" in status


def test_after_10_minutes_it_is_no_longer_offered_and_a_late_request_is_refused(client, agency):  # noqa: F811
    case, _ = sent(client, agency)
    with time_machine.travel(SENT + dt.timedelta(minutes=10), tick=False):
        assert "撤回本次申请" not in client.get(RECEIPT).content.decode()
        late = client.post(RECEIPT, {"undo": "1"})
    assert late.status_code == 409
    assert "提交已超过10分钟或申请已开始办理，不能在线撤回" in late.content.decode()
    assert late.content.decode().count('role="alert"') == 1
    assert Case.objects.get().state == Case.State.REGISTERED and not mail.outbox


def test_once_staff_have_acted_on_it_it_cannot_be_taken_back_here(client, agency):  # noqa: F811
    case, _ = sent(client, agency)
    with time_machine.travel(SENT + dt.timedelta(minutes=5), tick=False):
        services.case_request_correction(case=case, notice_on=timezone.localdate(), reason="请写明文件名称")
        assert "撤回本次申请" not in client.get(RECEIPT).content.decode()
        assert client.post(RECEIPT, {"undo": "1"}).status_code == 409
    assert Case.objects.get().state == Case.State.CORRECTION


def test_only_the_browser_that_sent_it_can_take_it_back(client, agency):  # noqa: F811
    sent(client, agency)
    with time_machine.travel(SENT + dt.timedelta(minutes=1), tick=False):
        other = Client().post(RECEIPT, {"undo": "1"})
    assert other.status_code == 302 and other["Location"] == STATUS
    assert Case.objects.get().state == Case.State.REGISTERED


def test_a_case_staff_acted_on_and_brought_back_to_registered_cannot_be_taken_back(client, agency):  # noqa: F811
    # A 补正 asked and received within the minutes: the case is 已登记 again, but staff have acted.
    case, _ = sent(client, agency)
    with time_machine.travel(SENT + dt.timedelta(minutes=5), tick=False):
        today = timezone.localdate()
        services.case_request_correction(case=case, notice_on=today, reason="请写明文件名称")
        services.case_receive_correction(case=case, received_on=today)
        assert Case.objects.get().state == Case.State.REGISTERED
        assert "撤回本次申请" not in client.get(RECEIPT).content.decode()
        assert client.post(RECEIPT, {"undo": "1"}).status_code == 409
    assert Case.objects.get().state == Case.State.REGISTERED and not mail.outbox


def test_sent_twice_it_is_taken_back_once_and_the_second_answer_says_so(
    client,
    agency,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # A double click: the second request read the session before the first one wrote it.
    case, _ = sent(client, agency)
    with time_machine.travel(SENT + dt.timedelta(minutes=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.case_undo_submission(case=case)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            again = client.post(RECEIPT, {"undo": "1"})
        assert again.status_code == 302 and again["Location"] == RECEIPT
        assert "您已撤回本次申请" in client.get(RECEIPT).content.decode()
    assert case.events.filter(action="申请人撤回").count() == 1 and not mail.outbox


def test_a_browser_shown_the_receipt_for_sending_the_same_again_cannot_take_it_back(client, agency):  # noqa: F811
    # Whoever sends the same ID number, phone and request in the next minutes is shown the
    # receipt (no second case): not the browser that sent it, so not one that may undo it.
    sent(client, agency)
    other = Client()
    with time_machine.travel(SENT + dt.timedelta(minutes=3), tick=False):
        assert confirm(other, form_data(agency, email="other@example.com")).status_code == 302
        receipt = other.get(RECEIPT).content.decode()
        assert "本次没有重复登记" in receipt and "撤回本次申请" not in receipt
        assert "确认撤回" not in other.get(RECEIPT + "?undo=1").content.decode()
        assert other.post(RECEIPT, {"undo": "1"}).status_code == 409
        assert "撤回本次申请</a>" in client.get(RECEIPT).content.decode()  # the sender still may
    assert Case.objects.get().state == Case.State.REGISTERED


def test_a_deadline_moved_by_a_calendar_change_is_nobody_acting_on_it(
    client,
    agency,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # Holidays entered in the minutes after sending: its 期限重算 is on record, no staff step.
    from core.models import WorkingDayOverride

    case, _ = sent(client, agency)
    with time_machine.travel(SENT + dt.timedelta(minutes=4), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            WorkingDayOverride.objects.create(date=dt.date(2026, 12, 15), is_workday=False, note="测试调整")
        assert case.events.filter(action="期限重算").exists()
        assert "撤回本次申请</a>" in client.get(RECEIPT).content.decode()
        assert client.post(RECEIPT, {"undo": "1"}).status_code == 302
    assert Case.objects.get().state == Case.State.ANSWERED
