from django.apps import AppConfig


class AccountCommandsConfig(AppConfig):
    """Django's account commands as this site needs them (createsuperuser). Listed before
    django.contrib.auth, whose commands of the same name these replace (the first app listed
    wins); an app of its own so that `security` keeps its place after auth: its post_migrate
    handler must run after auth's has created the new permissions (security.permissions)."""

    name = "security.accounts"
    label = "security_accounts"
    verbose_name = "账号命令"
