from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from audit.services import MIN_RETENTION_DAYS, audit_log_prune


class Command(BaseCommand):
    help = f"删除超过保存期限（AUDIT_LOG_RETENTION_DAYS，至少 {MIN_RETENTION_DAYS} 天）的审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help=f"保存天数（不少于 {MIN_RETENTION_DAYS}）；默认取设置")

    def handle(self, *args, days=None, **options):
        try:
            deleted = audit_log_prune(days=days)
        except ValueError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            # The app's own database user has no DELETE on the table (docs/operations.md).
            raise CommandError(
                f"审计日志未能删除：{str(error).strip()}。请以审计表的所有者连接数据库运行（DATABASE_URL 换成所有者的账号）。"
            ) from error
        self.stdout.write(f"已删除 {deleted} 条过期审计日志。")
