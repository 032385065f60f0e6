from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from security import services
from security.models import EnrolmentCode


class Command(BaseCommand):
    help = (
        "签发绑定验证码：账号首次绑定身份验证器时，除密码外还须输入它（新安装的第一个超级用户、"
        "没有登记邮箱的账号）。验证码只打印这一次，72 小时内有效。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="账号的用户名")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除该账号已绑定的身份验证器和恢复码（遗失手机、又没有恢复码时）",
        )

    def handle(self, *args, username, reset=False, **options):
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"没有用户名为“{username}”的账号。")
        if reset:
            removed = services.second_factor_remove(user=user)
            self.stdout.write(f"已删除该账号的身份验证器和恢复码（{removed} 个）。")
        if not services.enrolment_code_needed(user):
            raise CommandError(
                f"账号“{username}”已绑定身份验证器，无需绑定验证码。遗失手机时，加 --reset 先删除原有的身份验证器和恢复码。"
            )
        code, expires = services.enrolment_code_issue(user=user, channel=EnrolmentCode.Channel.COMMAND)
        self.stdout.write(
            f"账号“{username}”的绑定验证码：{code}（有效至 {timezone.localtime(expires):%Y-%m-%d %H:%M}，只能使用一次；"
            "再次签发后此码失效）。\n"
            "请当面交给账号本人：用密码登录后，在“绑定身份验证器”页面输入它和身份验证器显示的 6 位数字。"
        )
