from django.core.management.base import BaseCommand

from core.kept_uploads import prune


class Command(BaseCommand):
    help = "删除表单退回时保留、已超过保留期限（KEPT_UPLOAD_HOURS，默认 24 小时）的上传文件。"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除 {prune()} 个过期的保留文件。")
