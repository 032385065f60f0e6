import os

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    """Django's, with DJANGO_SUPERUSER_PASSWORD held to AUTH_PASSWORD_VALIDATORS under
    --noinput, as the interactive prompt holds a typed one (Django takes it as it is); and
    saying how the new account gets its enrolment code."""

    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            # The names the new account will have, for the "too similar to" rule.
            fields = [self.UserModel.USERNAME_FIELD, *self.UserModel.REQUIRED_FIELDS]
            user = self.UserModel(
                **{field: options.get(field) or os.environ.get(f"DJANGO_SUPERUSER_{field.upper()}") for field in fields}
            )
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(f"DJANGO_SUPERUSER_PASSWORD 不符合密码规则：{''.join(error.messages)}") from error
        super().handle(*args, **options)
        if options["verbosity"] >= 1:
            # The password alone binds no authenticator (security.services.enrolment_code_needed).
            self.stdout.write(
                "首次登录须绑定身份验证器，除密码外还须输入绑定验证码：运行 "
                "manage.py issue_enrolment_code <用户名> 获取（账号登记了邮箱时，也可在绑定页面发到邮箱）。"
            )
