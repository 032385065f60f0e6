from django.conf import settings
from django.db import models


class EnrolmentCode(models.Model):
    """The one-time code that, with the password, lets an account bind its first authenticator
    (docs/operations.md, Staff accounts). It reaches the owner by another path than the
    password: mailed to the account's address, or issued by an administrator (in the admin or
    at the shell) and handed over in person. Only a keyed hash is kept; one per account, so a
    new code replaces the old."""

    class Channel(models.TextChoices):
        MAIL = "mail", "邮件"
        ADMIN = "admin", "管理员签发"
        COMMAND = "command", "命令行签发"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_code")
    digest = models.CharField(max_length=64)
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField("签发时间")
    expires_at = models.DateTimeField("失效时间")
    failures = models.PositiveSmallIntegerField("输错次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "绑定验证码"

    def __str__(self):
        return f"{self.get_channel_display()}（用户 {self.user_id}）"


class SecondStepFailures(models.Model):
    """Wrong second-step codes of one account from one pool of browsers (security.throttle):
    the browsers that have passed the second step as this account each count apart, every
    other browser counts together. Someone holding only the password can then hold back the
    strangers' pool, never the owner's usual browser."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    pool = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "二次验证输错记录"
        constraints = [models.UniqueConstraint(fields=["user", "pool"], name="second_step_failures_unique")]

    def __str__(self):
        return f"{self.pool}：{self.failures} 次（用户 {self.user_id}）"
