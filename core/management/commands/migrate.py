from django.core.management.base import CommandError
from django.core.management.commands import migrate

from core.pagecache import invalidate


class Command(migrate.Command):
    """Django's, refusing to change the database while the page cache cannot be told (Redis
    away): post_migrate's new generation would not reach Redis, and the pages rendered from
    the database and templates of before would be served again once it answers."""

    def handle(self, *args, **options):
        changes = not (options["plan"] or options["check_unapplied"])
        # A new generation now tells whether Redis takes one, before anything is changed.
        if changes and not invalidate():
            raise CommandError("未迁移：Redis 不可用（见上一行），页面缓存无法失效；请待 Redis 恢复后再运行 migrate。")
        super().handle(*args, **options)
        # Redis went away while migrating: post_migrate's new generations were lost.
        if changes and not invalidate():
            raise CommandError(
                "数据库已迁移，但页面缓存未失效：Redis 不可用（见上一行）；Redis 恢复后请运行 manage.py clear_page_cache。"
            )
