from django.core.management.base import BaseCommand

from security.services import pending_authenticators_prune


class Command(BaseCommand):
    help = "删除开始绑定后一直未确认、所在会话已结束的身份验证器（每天运行）。"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除 {pending_authenticators_prune()} 个未完成绑定的身份验证器。")
