from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "机构政府信息公开专栏"

    def ready(self):
        from . import hooks  # noqa: F401
