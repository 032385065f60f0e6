"""A registry of demo-data loaders, so `make run` fills every app without portal importing it.

Demo data (演示数据) comes with demo accounts whose passwords are printed and published in the
README: it is loaded only where settings allow it (DEMO_DATA_ALLOWED: dev and test, never prod)."""

from django.conf import settings

_loaders = []


class DemoDataRefused(Exception):
    """Demo data or a demo account was asked for under settings that forbid them."""


def register_demo_loader(name, func):
    _loaders.append((name, func))


def demo_loaders():
    return list(_loaders)


def demo_data_allowed() -> bool:
    return bool(getattr(settings, "DEMO_DATA_ALLOWED", False))


def refuse_unless_demo_allowed():
    if not demo_data_allowed():
        raise DemoDataRefused(
            "演示数据和演示账号（密码公开）不能在当前设置下创建：只有开发和测试设置（DEMO_DATA_ALLOWED = True）允许，生产设置一律禁止。"
        )
