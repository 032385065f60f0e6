from django.core.management.base import BaseCommand, CommandError

from core.pagecache import invalidate


class Command(BaseCommand):
    help = "让缓存的页面全部失效（恢复备份后运行：缓存中可能还有恢复前的页面）。"

    def handle(self, *args, **options):
        # A new generation that did not reach Redis leaves the pages of before the restore
        # there, to be served again.
        if not invalidate():
            raise CommandError("页面缓存未失效：Redis 不可用（见上一行），恢复后请再运行本命令。")
        self.stdout.write("页面缓存已全部失效。")
