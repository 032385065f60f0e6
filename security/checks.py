"""`manage.py check --database default` (and every `migrate`, which runs the database checks):
demo accounts, whose passwords are published, must not exist where demo data is forbidden."""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from core.demo import demo_data_allowed


@register(Tags.database, Tags.security)
def demo_accounts_absent(app_configs=None, databases=None, **kwargs):
    if demo_data_allowed() or not databases:
        return []
    from .demo import DEMO_GROUP, demo_accounts_exist

    errors = []
    for alias in databases:
        try:
            present = demo_accounts_exist(using=alias)
        except DatabaseError:  # no tables yet: the first migrate
            continue
        if present:
            errors.append(
                Error(
                    f"数据库 {alias} 中有演示账号（“{DEMO_GROUP}”组的用户，密码公开），生产设置下不得存在。",
                    hint=f"在管理后台删除“{DEMO_GROUP}”组中的全部用户后再部署；演示数据只应加载到开发数据库。",
                    id="security.E001",
                )
            )
    return errors
