from django.core.management.base import BaseCommand

from core.pagecache import invalidate


class Command(BaseCommand):
    help = "让缓存的页面全部失效（恢复备份后运行：缓存中可能还有恢复前的页面）。"

    def handle(self, *args, **options):
        invalidate()
        self.stdout.write("页面缓存已全部失效。")
