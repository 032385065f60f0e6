from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    IDLE_LOGOUT = "idle_logout", "超时自动退出"
    OTP_VERIFIED = "otp_verified", "二次验证通过"
    OTP_FAILED = "otp_failed", "二次验证失败"
    RECOVERY_CODE_USED = "recovery_used", "使用恢复码"
    OTP_ENROLLED = "otp_enrolled", "绑定身份验证器"
    OTP_REMOVED = "otp_removed", "移除身份验证器"
    RECOVERY_CODES_ISSUED = "recovery_issued", "生成恢复码"
    ENROLMENT_CODE_ISSUED = "enrol_code", "签发绑定验证码"
    PERMISSION_CHANGE = "permission", "权限变更"
    REVIEW_SUBMIT = "review_submit", "提交审核"
    REVIEW_APPROVE = "review_approve", "审核通过"
    REVIEW_RETURN = "review_return", "审核退回"
    PUBLISH = "publish", "发布"
    WITHDRAW = "withdraw", "撤回"
    DELETE = "delete", "删除"
    RESTORE = "restore", "恢复"
    EXPORT = "export", "导出"
    PERSONAL_DATA_VIEW = "personal_data", "查看个人信息"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("审计日志不可修改。")


class AuditEntry(models.Model):
    """One security-relevant event (等保 2.0 安全审计: who, when, what, on what, outcome).
    Entries are only ever added; `prune_audit_log` removes those past the retention period.
    Holds no personal data values: a record is named by type, id and title only."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # Not a foreign key: deleting an account must neither delete nor alter its entries.
    actor_id = models.BigIntegerField("用户ID", null=True, blank=True)
    actor_name = models.CharField("用户", max_length=150, blank=True)
    action = models.CharField("事件", max_length=20, choices=Action.choices, db_index=True)
    succeeded = models.BooleanField("结果", default=True)
    target_type = models.CharField("对象类型", max_length=100, blank=True)
    target_id = models.CharField("对象ID", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=200, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '系统'} {self.get_action_display()} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("审计日志不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("审计日志不可删除（超过保存期限的由 prune_audit_log 清理）。")
