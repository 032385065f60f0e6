"""Write buffered 浏览次数 to the database. Run it every minute or so (cron or a systemd
timer, see docs/deployment.md); the app also flushes from the request path."""

from django.core.management.base import BaseCommand, CommandError

from core.outages import REDIS_ERRORS
from disclosures.services import record_view_counts_flush


class Command(BaseCommand):
    help = "把缓冲的浏览次数写入数据库（Redis 或本进程内存中的计数）。"

    def handle(self, *args, **options):
        try:
            written = record_view_counts_flush()
        except REDIS_ERRORS as error:  # one line for cron, every minute, not a traceback
            # With Redis's own words: an error reply (full, cannot save, a replica) is told
            # apart only by them (redis-py has no class for MISCONF).
            raise CommandError(
                f"浏览次数未写入：Redis 不可用（{type(error).__name__}: {error}），计数仍在缓冲中，下次运行再写。"
            ) from None
        self.stdout.write(f"flushed {written} views")
