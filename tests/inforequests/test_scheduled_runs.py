"""send_request_reminders runs every minute from cron: two runs may overlap, and a run may
stop half-way. Neither may crash the other run, skip the other cases, or mail twice."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from inforequests import services
from inforequests.models import Case, Outcome, Reminder

from .factories import make_case, staff_reminders, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]
D = dt.date
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115


def lapsed_correction_and_late_case():
    """A 补正 that lapsed after 12 Oct 2026 and, in the same agency, a case due 22 Oct 2026."""
    lapsed = make_case(received_on=D(2026, 9, 18))
    staff_user("handler", lapsed.agency)
    with TestCase.captureOnCommitCallbacks(execute=True):  # its notice mailed, as once committed
        lapsed = services.case_request_correction(
            case=lapsed, notice_on=D(2026, 9, 21), reason="请补正", waiting_until=D(2026, 10, 12)
        )
    late = make_case(agency=lapsed.agency, received_on=D(2026, 9, 18))
    mail.outbox.clear()
    return lapsed, late


def test_a_lapse_another_run_closed_first_is_skipped_and_the_run_goes_on(monkeypatch):
    """Two runs overlapping: both list the lapsed case, the other one closes it first. This run
    crashed with a traceback (TransitionNotAllowed) and sent none of its reminders."""
    lapsed, late = lapsed_correction_and_late_case()
    close = services.case_close_lapsed

    def closed_first_by_the_other_run(*, case, today):
        close(case=case, today=today)  # the overlapping run
        return close(case=case, today=today)

    monkeypatch.setattr(services, "case_close_lapsed", closed_first_by_the_other_run)
    call_command("send_request_reminders", date="2026-10-23", **QUIET)
    lapsed.refresh_from_db()
    assert lapsed.outcome == Outcome.OTHER_NO_CORRECTION and lapsed.events.filter(action="逾期终止").count() == 1
    assert [m.subject[:4] for m in mail.outbox if m.subject.startswith("【")] == ["【红牌】"]
    assert staff_reminders(case=late).count() == 1


def test_a_lapse_that_fails_does_not_hold_up_the_other_cases(monkeypatch, caplog):
    """One case that cannot be closed (whatever the reason) stopped every reminder of every run,
    every minute, until someone read cron's mail."""
    lapsed, late = lapsed_correction_and_late_case()

    def refuses(*, case, today):
        raise RuntimeError("boom 张三")

    monkeypatch.setattr(services, "case_close_lapsed", refuses)
    with caplog.at_level(logging.ERROR), pytest.raises(CommandError, match="1 件逾期申请未能终止"):
        call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert Case.objects.get(pk=lapsed.pk).state == Case.State.CORRECTION  # tried again next run
    assert staff_reminders(case=late).count() == 1  # the others went on
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert lapsed.number in logged and "RuntimeError" in logged and "张三" not in logged


class InTransactionCheckingBackend(BaseEmailBackend):
    """Records how many transactions were open when each message was handed over."""

    inside = []

    def send_messages(self, messages):
        self.inside.extend(len(connection.atomic_blocks) for _ in messages)
        mail.outbox.extend(messages)
        return len(messages)


def test_no_reminder_is_mailed_inside_a_database_transaction(settings):
    """The reminder row was written, and the mail sent, in one transaction: on SQLite its write
    lock was held while the mail server answered (up to EMAIL_TIMEOUT a step), and a citizen's
    application meanwhile failed with "database is locked" (a 500, what was typed lost)."""
    late = make_case(received_on=D(2026, 9, 18))
    staff_user("handler", late.agency)
    settings.EMAIL_BACKEND = f"{__name__}.InTransactionCheckingBackend"
    InTransactionCheckingBackend.inside = []
    outside = len(connection.atomic_blocks)  # the test's own
    call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert InTransactionCheckingBackend.inside == [outside]
    assert staff_reminders().get(case=late).sent_at is not None


def test_a_reminder_another_run_is_sending_is_not_sent_again():
    late = make_case(received_on=D(2026, 9, 18))
    staff_user("handler", late.agency)
    mail.outbox.clear()  # its receipt
    Reminder.objects.create(case=late, key="alarm:红牌:2026-10-22")  # the overlapping run's, being sent
    call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert mail.outbox == []


def test_a_reminder_whose_run_died_while_sending_is_sent_by_a_later_run(settings):
    """Killed half-way (after taking the reminder, before it was sent): not lost."""
    late = make_case(received_on=D(2026, 9, 18))
    staff_user("handler", late.agency)
    mail.outbox.clear()  # its receipt
    Reminder.objects.create(case=late, key="alarm:红牌:2026-10-22")
    staff_reminders().update(claimed_at=timezone.now() - dt.timedelta(seconds=Reminder.CLAIM_SECONDS + 1))
    call_command("send_request_reminders", date="2026-10-23", **QUIET)
    call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert [m.subject[:4] for m in mail.outbox] == ["【红牌】"]
    assert staff_reminders().get(case=late).sent_at is not None


def test_a_backend_raising_its_own_error_fails_that_reminder_only_and_it_is_sent_next_time(settings, caplog):
    """A backend raising something other than a mail-server error (an HTTP mail API's client,
    a message it cannot encode) stopped the run: the reminders after it waited for that one."""
    first = make_case(received_on=D(2026, 9, 18))
    staff_user("handler", first.agency)
    second = make_case(agency=first.agency, received_on=D(2026, 9, 18))
    mail.outbox.clear()  # their receipts
    settings.EMAIL_BACKEND = f"{__name__}.FirstMessageBreaksBackend"
    FirstMessageBreaksBackend.calls = 0
    with caplog.at_level(logging.ERROR), pytest.raises(CommandError, match="1 件提醒的邮件未能发出"):
        call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert staff_reminders(sent_at__isnull=False).count() == 1  # the other went on
    assert "RuntimeError" in caplog.text
    call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"【红牌】依申请公开 {case.number} 答复期限 2026年10月22日" for case in (first, second)
    )


class FirstMessageBreaksBackend(BaseEmailBackend):
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 1:
            raise RuntimeError("a backend's own error")
        mail.outbox.extend(messages)
        return len(messages)


def test_a_recomputation_leaves_a_case_closed_while_it_ran_alone(monkeypatch):
    """recompute_deadlines (and a calendar change) lists the open cases, then locks each: one
    withdrawn in between got a new due date and a 期限重算 event after it was closed."""
    case = make_case(received_on=D(2026, 9, 18))
    case = services.case_request_correction(
        case=case, notice_on=D(2026, 9, 21), reason="请补正", waiting_until=D(2026, 10, 12)
    )
    lock = services._lock

    def withdrawn_meanwhile(locked):
        monkeypatch.setattr(services, "_lock", lock)
        services.case_withdraw(case=locked, withdrawn_on=D(2026, 9, 25))
        return lock(locked)

    monkeypatch.setattr(services, "_lock", withdrawn_meanwhile)
    assert services.recompute_open_cases(reason="工作日历更新") == []
    case.refresh_from_db()
    assert case.state == Case.State.ANSWERED and case.due_on is None
    assert not case.events.filter(action="期限重算").exists()


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_the_applicants_lapse_notice_is_mailed_once_even_if_the_mail_server_was_away(
    settings, django_capture_on_commit_callbacks
):
    """The run closes a lapsed 补正 and mails the applicant the 告知书. It was mailed after the
    commit, once: with the mail server away at that moment it was logged and never sent."""
    lapsed, _ = lapsed_correction_and_late_case()
    Case.objects.filter(pk=lapsed.pk).update(email="applicant@example.com")
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError, match="未能发出"):
        call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert Case.objects.get(pk=lapsed.pk).state == Case.State.ANSWERED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_request_reminders", date="2026-10-23", **QUIET)
    to_applicant = [m for m in mail.outbox if m.to == ["applicant@example.com"]]
    assert len(to_applicant) == 1 and lapsed.number in to_applicant[0].subject
    assert "视为放弃申请" in to_applicant[0].body


def test_the_applicants_lapse_notice_is_mailed_by_the_run_that_closed_it(django_capture_on_commit_callbacks):
    lapsed, _ = lapsed_correction_and_late_case()
    Case.objects.filter(pk=lapsed.pk).update(email="applicant@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert [m.to for m in mail.outbox if "告知书" in m.subject] == [["applicant@example.com"]]


def test_a_reply_mailed_while_the_mail_server_was_away_goes_with_the_next_run(
    settings, django_capture_on_commit_callbacks
):
    """Notices from staff's actions were mailed once after the commit: with the mail server away
    at that moment the applicant's 答复 was logged and never mailed (the case said 已答复)."""
    case = make_case(received_on=D(2026, 9, 18))
    Case.objects.filter(pk=case.pk).update(email="applicant@example.com")
    case.refresh_from_db()
    mail.outbox.clear()
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开。")
    assert mail.outbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for _ in range(2):
        call_command("send_request_reminders", date="2026-10-23", **QUIET)
    assert [m.to for m in mail.outbox] == [["applicant@example.com"]]
    assert case.number in mail.outbox[0].subject and "予以公开。" in mail.outbox[0].body


def test_a_notice_is_mailed_at_once_when_its_change_commits(django_capture_on_commit_callbacks):
    case = make_case(received_on=D(2026, 9, 18))
    Case.objects.filter(pk=case.pk).update(email="applicant@example.com")
    case.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开。")
    assert [m.to for m in mail.outbox] == [["applicant@example.com"]]
    call_command("send_request_reminders", date="2026-10-09", **QUIET)
    assert len(mail.outbox) == 1  # not again
