"""send_request_reminders runs every minute from cron: two runs may overlap, and a run may
stop half-way. Neither may crash the other run, skip the other cases, or mail twice."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from inforequests import services
from inforequests.models import Case, Outcome, Reminder

from .factories import make_case, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]
D = dt.date
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115


def lapsed_correction_and_late_case():
    """A 补正 that lapsed after 12 Oct 2026 and, in the same agency, a case due 22 Oct 2026."""
    lapsed = make_case(received_on=D(2026, 9, 18))
    staff_user("handler", lapsed.agency)
    lapsed = services.case_request_correction(
        case=lapsed, notice_on=D(2026, 9, 21), reason="请补正", waiting_until=D(2026, 10, 12)
    )
    late = make_case(agency=lapsed.agency, received_on=D(2026, 9, 18))
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
    assert [m.subject[:4] for m in mail.outbox] == ["【红牌】"]
    assert Reminder.objects.filter(case=late).count() == 1


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
    assert Reminder.objects.filter(case=late).count() == 1  # the others went on
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert lapsed.number in logged and "RuntimeError" in logged and "张三" not in logged
