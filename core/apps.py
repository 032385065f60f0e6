from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础设施"

    def ready(self):
        from django.core.signals import request_started
        from django.core.validators import ProhibitNullCharactersValidator
        from django.urls import register_converter

        from . import checks, db_router, pagecache, stamped  # noqa: F401  (checks: registers them)
        from .http import IdConverter, TextConverter, TextPathConverter

        # Django's zh-hans text for a NUL in a form field reads "不允许是用空字符串" (empty
        # strings not allowed: wrong, and misspelt); every form that keeps the validator says this.
        ProhibitNullCharactersValidator.message = "含有空字符（\\x00，通常是复制粘贴带来的不可见字符），请删除后重试。"
        # Its yes/no icon's alt text reads “True” and “False” (every caller looks it up there).
        from django.contrib.admin.templatetags import admin_list

        from .admin_input import boolean_icon

        admin_list._boolean_icon = boolean_icon

        register_converter(IdConverter, "id")
        register_converter(TextConverter, "text")
        register_converter(TextPathConverter, "textpath")
        from .roles import ensure_roles

        # Any content save or delete, from any app or command, invalidates cached pages.
        pagecache.connect_signals()
        # Any save or delete, once committed, is what a replica must have replayed before it
        # serves another request (core/db_router.py).
        db_router.connect_signals()
        # So does a release: every deployment runs migrate (docs/deployment.md), and kept pages
        # and fragments were rendered by the previous release's templates and code.
        # (No sender: post_migrate is sent only for apps with models; a few extra bumps are cheap.)
        post_migrate.connect(pagecache.invalidate_after_migrate, dispatch_uid="core.pagecache.migrate")
        # No sender: permissions of apps migrated later exist only once their own signal has run.
        post_migrate.connect(ensure_roles, dispatch_uid="core.ensure_roles")
        # Lookups kept until they change (core/stamped.py): each request starts with no change
        # of its own pending.
        request_started.connect(stamped.forget_flags, dispatch_uid="core.stamped.forget_flags")
        # The working-day overrides, kept likewise until one is saved or deleted.
        from .models import WorkingDayOverride, WorkingDayYear
        from .working_days import kept_overrides

        for model in (WorkingDayOverride, WorkingDayYear):
            for signal in (post_save, post_delete):
                signal.connect(
                    kept_overrides.forget_all, sender=model, dispatch_uid=f"core.calendar-{model.__name__}-{id(signal)}"
                )
