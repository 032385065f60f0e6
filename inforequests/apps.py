from django.apps import AppConfig


class InforequestsConfig(AppConfig):
    name = "inforequests"
    verbose_name = "依申请公开"

    def ready(self):
        # Navigation, roles, demo data, and the calendar-change signal (registries: no other
        # app imports this one).
        from . import hooks  # noqa: F401
        from .selectors import connect_signals

        connect_signals()
