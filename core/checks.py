"""Deployment checks (`manage.py check --deploy`) for settings Django's own checks do not know."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def mail_sender_set(app_configs=None, **kwargs):
    # Applicants' notices go out by mail: from Django's default sender they are refused or
    # filed as spam by most mail servers, and the applicant never learns of a 补正 or a reply.
    sender = settings.DEFAULT_FROM_EMAIL or ""
    if sender.rstrip(">").endswith("@localhost"):
        return [
            Warning(
                f"DEFAULT_FROM_EMAIL 仍是 {sender}：告知书等邮件会被多数邮件服务器拒收或当作垃圾邮件。",
                hint="设置环境变量 DEFAULT_FROM_EMAIL，如 政府信息公开 <gk@example.gov.cn>（docs/deployment.md）。",
                id="core.W001",
            )
        ]
    return []
