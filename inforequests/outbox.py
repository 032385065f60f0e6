"""Mail to applicants and staff that must not be lost. Each message is a Reminder row, unique per
case and key, taken before it is mailed and marked sent after, with no transaction open while
the mail server answers (on SQLite one would hold the write lock, and every page that saves
anything would fail meanwhile). A send that fails gives the row back; send_request_reminders
tries it again on its next run, and takes over one a killed process left taken."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.dates import chinese_date
from core.mail import send_safely
from core.site import site_settings

from .models import Reminder

logger = logging.getLogger(__name__)  # case numbers and keys only, never an applicant's details


def take(case, key):
    """The reminder, taken to be sent now (a queryset of its row), or None when it has been sent
    or another process is sending it. One given back (a failed send), waiting (a notice queued
    with its case) or taken long ago and never sent (its process died) is taken over."""
    now = timezone.now()
    try:
        with transaction.atomic():
            pk = Reminder.objects.create(case=case, key=key, claimed_at=now).pk
    except IntegrityError:
        stale = now - dt.timedelta(seconds=Reminder.CLAIM_SECONDS)  # or given back (WAITING)
        left = Reminder.objects.filter(case=case, key=key, sent_at__isnull=True, claimed_at__lt=stale)
        pk = left.values_list("pk", flat=True).first()
        # Conditional: of two processes taking it over at once, one updates the row.
        if pk is None or not left.filter(pk=pk).update(claimed_at=now):
            return None
    return Reminder.objects.filter(pk=pk, claimed_at=now, sent_at__isnull=True)


def deliver(case, key, subject, body, recipients) -> bool | None:
    """Send the message `key` of `case` unless it has been sent: True when sent now, False when
    the mail server failed (the next reminder run tries again), None when it was sent before or
    is being sent elsewhere. `recipients`: a list, or a function giving it, asked only once the
    message is taken (the reminder run lists every due alarm every minute, most sent before)."""
    taken = take(case, key)
    if taken is None:
        return None
    recipients = [address for address in (recipients() if callable(recipients) else recipients) if address]
    try:
        ok = not recipients or send_safely(subject, body, recipients, about=f"{key} {case.number}")
    except Exception as error:  # a backend's own error: this message only, the others go on
        logger.error("e-mail not sent (%s %s): %s", key, case.number, type(error).__name__)
        ok = False
    except BaseException:  # stopped: the next run sends it
        taken.update(claimed_at=Reminder.WAITING)
        raise
    if not ok:
        taken.update(claimed_at=Reminder.WAITING)
        return False
    taken.update(sent_at=timezone.now())
    return True


def queue_notice(notice) -> None:
    """Mail an applicant's notice once its case's change commits, and until it is sent: the row
    is written with the notice, so a mail server away at that moment loses nothing."""
    case = notice.case
    key = Reminder.NOTICE_KEY.format(pk=notice.pk)
    Reminder.objects.create(case=case, key=key, claimed_at=Reminder.WAITING)
    transaction.on_commit(lambda: deliver(case, key, notice_subject(notice), notice_mail_body(notice), [case.email]))


def notice_subject(notice) -> str:
    return f"{notice.title}（{notice.case.number}）"


def notice_mail_body(notice) -> str:
    """The notice as mailed: signed and dated as printed (a mail without them is no notice one can
    show), then how to follow the case. The 查询码 is never mailed; the page is named by its
    address on the site's 网站域名 (网站设置), else by the site's menu (never a localhost link)."""
    domain = site_settings().site_domain.strip().removeprefix("https://").removeprefix("http://").strip("/")
    where = (
        f"访问https://{domain}{reverse('inforequests:status')}"
        if domain
        else "在本机关门户网站“政府信息公开—依申请公开—办理进度查询”页面"
    )
    return (
        f"{notice.body}\n\n{notice.case.agency.name}\n{chinese_date(notice.issued_on)}\n\n"
        f"查询办理进度：请{where}，凭提交申请后受理回执页面上显示的查询码，以及申请时填写的联系电话或证件号码后4位查询"
        f"（申请编号：{notice.case.number}）。"
    )


def unsent_notices():
    """(case, key, subject, body, recipients) of the applicants' notices not yet mailed: given
    back after a failed send, or taken by a process that died before sending."""
    stale = timezone.now() - dt.timedelta(seconds=Reminder.CLAIM_SECONDS)
    for waiting in Reminder.objects.filter(
        key__startswith=Reminder.NOTICE_KEY.format(pk=""), sent_at__isnull=True, claimed_at__lt=stale
    ).select_related("case"):
        notice = waiting.case.notices.filter(pk=waiting.key.rpartition(":")[2]).first()
        if notice is not None:
            yield waiting.case, waiting.key, notice_subject(notice), notice_mail_body(notice), [waiting.case.email]
