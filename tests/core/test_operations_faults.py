"""What an operator following the documentation ran into: a mail server that is away turned a
committed 依申请公开 registration into an error page and stopped the reminders at the first case;
the proposals demo loader ran under production settings; a scheduled command printed a traceback
when Redis was down; a restore left the pages cached before it to be served."""

import logging

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command

from core.pagecache import current_state
from inforequests.models import Case, Reminder

pytestmark = pytest.mark.django_db
ADDRESS = "zhang.san@example.com"


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is not there (ConnectionRefusedError, as smtplib raises it)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def mail_server_away(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


def test_a_registration_stands_when_the_mail_server_is_away(
    mail_server_away, caplog, django_capture_on_commit_callbacks
):
    from tests.inforequests.factories import make_case

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        case = make_case(email=ADDRESS)  # mails the receipt after the commit: no exception
    assert Case.objects.filter(pk=case.pk).exists() and case.notices.filter(key="receipt").exists()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "e-mail not sent" in logged and case.number in logged and "ConnectionRefusedError" in logged
    assert ADDRESS not in logged and case.name not in logged  # never the applicant's particulars


def test_reminders_go_on_past_a_failed_mail_and_try_it_again_next_time(mail_server_away, settings):
    import datetime as dt

    from tests.inforequests.factories import make_case, staff_reminders, staff_user

    case = make_case(received_on=dt.date(2026, 9, 18))  # due 22 Oct 2026
    staff_user("handler", case.agency)  # has an e-mail address: an alarm is mailed to them
    with pytest.raises(CommandError, match="未能发出"):
        call_command("send_request_reminders", date="2026-10-21")
    assert not Reminder.objects.filter(sent_at__isnull=False).exists()  # not recorded as sent: tried again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_request_reminders", date="2026-10-21")
    assert staff_reminders(case=case).count() == 1
    # The applicant's receipt, refused at registration too, went with the same run.
    assert Reminder.objects.filter(case=case, sent_at__isnull=False).count() == 2


def test_the_proposals_demo_loader_is_refused_under_production_settings(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="生产设置一律禁止"):
        call_command("load_proposals_demo")


def test_flushing_view_counts_with_redis_away_is_one_line(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6399/0"  # nothing listens there
    settings.COUNTER_REDIS_URL = "redis://127.0.0.1:6399/0"
    with pytest.raises(CommandError, match="Redis 不可用"):
        call_command("flush_view_counts")


def test_clear_page_cache_starts_a_new_generation(capsys):
    before = current_state()["gen"]
    call_command("clear_page_cache")
    assert current_state()["gen"] != before and "已全部失效" in capsys.readouterr().out


def test_clear_page_cache_with_redis_away_says_it_did_not(settings):
    """After a restore, `clear_page_cache` printed 页面缓存已全部失效 and exited 0 with Redis away:
    the pages of the database before the restore stayed in Redis, to be served once it answered."""
    from django.test import override_settings

    from core.outages import forget_outages

    away = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6399/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    forget_outages()
    try:
        with override_settings(CACHES=away, PAGE_CACHE_STAMP_FILE=None, OUTAGE_RETRY_SECONDS=60):
            with pytest.raises(CommandError, match="未失效.*Redis 不可用"):
                call_command("clear_page_cache")
    finally:
        forget_outages()


@pytest.mark.parametrize(
    ("command", "arguments", "message"),
    [
        ("prune_audit_log", ["--days", "99999999"], "最多 36500 天"),
        ("load_seed", ["/nonexistent/seed.json"], "无法读取"),
        ("send_request_reminders", ["--date", "2999-01-01"], "不能晚于今天"),
        ("import_records", ["--batch", "1", "--user-id", "999999"], "没有编号为 999999 的用户"),
    ],
)
def test_bad_arguments_get_one_line_not_a_traceback(command, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command(command, *arguments)


def test_pruning_the_audit_log_without_delete_on_it_is_one_line(monkeypatch):
    """docs/operations.md takes DELETE on the audit table away from the app's database user: the
    prune run as that user printed psycopg's traceback instead of saying whom to run it as."""
    from django.db import ProgrammingError

    def refused(**kwargs):
        raise ProgrammingError("permission denied for table audit_auditentry")

    monkeypatch.setattr("audit.management.commands.prune_audit_log.audit_log_prune", refused)
    with pytest.raises(CommandError, match="permission denied.*审计表的所有者"):
        call_command("prune_audit_log")


def test_a_seed_file_that_is_not_json_is_named(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.json 不是可载入的数据文件"):
        call_command("load_seed", str(bad))


def test_a_year_outside_2000_to_2100_is_refused_beside_the_field(client, admin_user):
    """A typo (20277) made a date the hook after the save could not build: a 500."""
    from core.models import WorkingDayYear
    from tests.staff import sign_in_staff

    sign_in_staff(client, admin_user)
    for year in ("0", "20277"):
        response = client.post("/admin/core/workingdayyear/add/", {"year": year, "note": "测试"})
        assert response.status_code == 200 and "year" in response.context["adminform"].form.errors
    assert not WorkingDayYear.objects.exists()


def test_nested_tables_scroll_in_one_region_closed_after_the_outer_table():
    from core.templatetags.components import scrolling_tables

    html = (
        "<table><caption>外表</caption><tr><td><table><tr><td>内</td></tr></table></td></tr></table><p>之后的段落</p>"
    )
    out = str(scrolling_tables(html))
    assert out.count('role="region"') == 1
    region_end = out.index("</div>")
    assert out.rindex("</table>") < region_end < out.index("<p>之后的段落</p>")


def closed_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: nothing listens there


def test_migrate_with_redis_away_changes_nothing_and_says_so(tmp_path):
    """migrate exited 0 with Redis away, the database changed and the page cache's generation
    not: the pages of the old schema and templates were served again once Redis answered."""
    import os
    import sqlite3
    import subprocess
    import sys

    from django.conf import settings

    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "govportal.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/11",
        "REDIS_TIMEOUT_SECONDS": "0.2",
    }
    ran = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 1
    last = ran.stderr.strip().splitlines()[-1]
    assert "未迁移" in last and "Redis 不可用" in last
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []


def test_migrate_that_lost_redis_half_way_says_to_clear_the_page_cache(monkeypatch):
    from core.management.commands import migrate

    answers = iter([True, False])  # Redis took the generation before, not after
    monkeypatch.setattr(migrate, "invalidate", lambda: next(answers))
    with pytest.raises(CommandError, match=r"已迁移.*Redis 不可用.*clear_page_cache"):
        call_command("migrate", verbosity=0)
    monkeypatch.setattr(migrate, "invalidate", lambda: False)
    with pytest.raises(CommandError, match="未迁移"):
        call_command("migrate", verbosity=0)


def test_migrate_plan_and_check_need_no_redis(monkeypatch):
    from core.management.commands import migrate

    monkeypatch.setattr(migrate, "invalidate", lambda: False)
    call_command("migrate", "--plan", verbosity=0)
    call_command("migrate", "--check", verbosity=0)
