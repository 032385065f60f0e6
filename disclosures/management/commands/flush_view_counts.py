"""Write buffered 浏览次数 to the database. Run it every minute or so (cron or a systemd
timer, see docs/deployment.md); the app also flushes from the request path."""

from django.core.management.base import BaseCommand

from disclosures.services import record_view_counts_flush


class Command(BaseCommand):
    help = "把缓冲的浏览次数写入数据库（Redis 或本进程内存中的计数）。"

    def handle(self, *args, **options):
        written = record_view_counts_flush()
        self.stdout.write(f"flushed {written} views")
