"""Data migrations give the same result whatever the app's code becomes: they carry frozen
copies of what they compute, and those copies match the live code today."""

import ast
import importlib
import inspect

import pytest
from django.apps import apps

from inforequests.models import Case, phone_key

from .factories import make_case

PHONE_KEYS = importlib.import_module("inforequests.migrations.0008_phone_key")


def test_the_phone_key_migration_imports_no_app_code():
    """It imported inforequests.models.phone_key: a change to the live function would have
    changed what replaying the migration stores."""
    imported = set()
    for node in ast.walk(ast.parse(inspect.getsource(PHONE_KEYS))):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert {module.split(".")[0] for module in imported} <= {"django", "hashlib", "hmac", "re", "unicodedata"}


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "13912345678",
        "+8613912345678",
        "0086 139-1234-5678",
        "１３９１２３４５６７８",
        "\ufeff139\u200d1234\u20605678",
        "087165123456转8001",
        "+86087165123456",
        "+86 871 6512 3456",
        "8613912345678",
        "12345",
    ],
)
def test_the_migrations_phone_key_is_the_live_one(phone, settings):
    assert PHONE_KEYS.phone_key(phone) == phone_key(phone)
    settings.INFOREQUESTS_DIGEST_KEY = "another digest key"  # the setting, not a value kept at import
    assert PHONE_KEYS.phone_key(phone) == phone_key(phone)


@pytest.mark.django_db
def test_the_migration_fills_the_key_a_save_would():
    case = make_case(phone="（0871）6512-3456转8001")
    saved = Case.objects.get(pk=case.pk).phone_key
    Case.objects.filter(pk=case.pk).update(phone_key="")
    PHONE_KEYS.fill_phone_keys(apps, None)
    assert Case.objects.get(pk=case.pk).phone_key == saved == phone_key(case.phone) != ""
