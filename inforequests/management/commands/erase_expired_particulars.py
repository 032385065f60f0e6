"""Erase the particulars of the applicants whose archived cases have been kept their period,
and of the third parties asked for their opinion on them (inforequests/retention.py). Safe to
run daily from cron, and twice at once."""

from django.conf import settings
from django.core.management.base import BaseCommand

from inforequests import retention


class Command(BaseCommand):
    help = (
        "删除保存期限（INFOREQUESTS_KEEP_PARTICULARS_YEARS）届满的已归档申请中的申请人信息"
        "（含告知书、答复（重新答复的也在内）和办理记录中的）及征求意见第三方的名称和联系方式（每天运行）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要删除申请人信息的申请，不删除")

    def handle(self, *args, dry_run, **options):
        years = settings.INFOREQUESTS_KEEP_PARTICULARS_YEARS
        if years <= 0:
            self.stdout.write("INFOREQUESTS_KEEP_PARTICULARS_YEARS 为 0：申请人信息长期保存，不删除。")
            return
        numbers = retention.erase_expired_particulars(dry_run=dry_run)
        for number in numbers:
            self.stdout.write(number)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"保存期限 {years} 年：{verb} {len(numbers)} 件申请的申请人信息。")
