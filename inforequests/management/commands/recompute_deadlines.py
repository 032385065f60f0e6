"""Recompute every open case's due date (and a paused case's waiting date) after the calendar
changed outside the override table: a chinesecalendar upgrade that brings next year's State
Council schedule, or a new release of this project that counts working days differently. Each
moved date is logged on its case."""

from django.core.management.base import BaseCommand

from inforequests import services


class Command(BaseCommand):
    help = "重算所有未办结申请的答复期限（升级 chinesecalendar 或本系统的工作日规则之后运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--reason", default="工作日历更新", help="记入每件申请的重算原因")

    def handle(self, *args, reason, **options):
        changes = services.recompute_open_cases(reason=reason)
        for number, moved in changes:
            self.stdout.write(f"{number}: {moved}")
        self.stdout.write(f"重算完成：{len(changes)} 件申请的期限有变化。")
