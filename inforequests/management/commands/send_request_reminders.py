"""Due reminders and lapses for 依申请公开, and the applicants' notices a mail server failed to
take. Safe every minute, two runs overlapping or one dying half-way: each message is taken before
it is mailed (inforequests.outbox) and each lapse is a state change that happens once."""

import datetime as dt
import functools
import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.dates import chinese_date
from core.working_days import load_calendar
from inforequests import outbox, selectors, services
from inforequests.models import Case

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "发送依申请公开到期提醒（预警、黄牌、红牌，第三方意见期限已过），终止逾期不补正、逾期未缴费的申请。"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, help="今天（测试用，YYYY-MM-DD）")

    def handle(self, *args, date=None, **options):
        if isinstance(date, str):  # call_command() passes options untyped
            date = dt.date.fromisoformat(date)
        if date is not None and date > timezone.localdate():
            # Lapses would close cases with a reply dated in the future (refused: a traceback).
            raise CommandError("--date 不能晚于今天（只用于补发过去某天应发的提醒）。")
        today = date or timezone.localdate()
        calendar = load_calendar()
        sent = closed = failed = not_closed = 0
        lapsing = Case.objects.open().filter(state__in=[Case.State.CORRECTION, Case.State.FEE], waiting_until__lt=today)
        for case in lapsing:
            try:
                services.case_close_lapsed(case=case, today=today)
            except Exception as error:
                if not lapsing.filter(pk=case.pk).exists():
                    continue  # closed meanwhile: by a run overlapping this one, or by staff
                # One case that cannot be closed must not hold up the others, every minute. The
                # case number and the kind of error only: a message may quote the applicant.
                logger.error("lapse not closed (%s): %s", case.number, type(error).__name__)
                not_closed += 1
                continue
            closed += 1
        reminders = []
        for case in Case.objects.open().filter(due_on__isnull=False).select_related("agency"):
            level = selectors.alarm_level(selectors.days_left(case, today=today, calendar=calendar))
            if level == "正常":
                continue
            reminders.append(
                (
                    case,
                    f"alarm:{level}:{case.due_on:%Y-%m-%d}",  # a new due date may alarm again
                    f"【{level}】依申请公开 {case.number} 答复期限 {chinese_date(case.due_on)}",
                    f"{case.agency.name}的申请 {case.number}（{case.get_state_display()}）答复期限为"
                    f"{chinese_date(case.due_on)}，请及时办理。",
                )
            )
        # A third party that lets its 15 working days pass stops nothing (Art. 32: the agency then
        # decides), but the clock stays stopped until staff end the consultation: tell them once.
        for case in (
            Case.objects.open().filter(state=Case.State.CONSULTATION, waiting_until__lt=today).select_related("agency")
        ):
            reminders.append(
                (
                    case,
                    f"consultation:{case.waiting_until:%Y-%m-%d}",
                    f"【征求意见到期】依申请公开 {case.number} 第三方意见期限 {chinese_date(case.waiting_until)}",
                    f"{case.agency.name}的申请 {case.number} 征求第三方意见的期限"
                    f"（{chinese_date(case.waiting_until)}）已过。第三方逾期未提出意见的，由本机关依照条例第三十二条"
                    "决定是否公开：请登记征求意见结束，答复期限随之恢复计算。",
                )
            )
        # To the agency's handlers; then the applicants' notices not yet mailed (outbox).
        reminders = [
            (*reminder, functools.partial(selectors.handler_emails, organization=reminder[0].agency))
            for reminder in reminders
        ]
        for case, key, subject, body, recipients in [*reminders, *outbox.unsent_notices()]:
            done = outbox.deliver(case, key, subject, body, recipients)
            if done is None:
                continue  # sent before, or being sent by a run overlapping this one
            sent += done
            failed += not done
        self.stdout.write(f"提醒 {sent} 件，逾期终止 {closed} 件。")
        # The other cases went on; cron hears of it (a non-zero exit) without a traceback.
        problems = []
        if not_closed:
            problems.append(f"{not_closed} 件逾期申请未能终止（详见日志），下次运行时重试")
        if failed:
            problems.append(f"{failed} 件提醒的邮件未能发出（邮件服务器不可用，详见日志），下次运行时重发")
        if problems:
            raise CommandError("；".join(problems) + "。")
