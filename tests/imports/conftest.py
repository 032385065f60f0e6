import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
SEED_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def vocab(db):
    """The seed's organizations, topics and genres, without the seed record itself (the
    capture of that page is what the tests import)."""
    # A transactional test before this one flushes the vocabularies the migrations ship.
    importlib.import_module("disclosures.migrations.0002_vocabularies").forwards(apps, None)
    call_command(
        "loaddata", str(SEED_FIXTURES / "005_site.json"), str(SEED_FIXTURES / "010_disclosures.json"), verbosity=0
    )
    from disclosures.models import DisclosureRecord

    record = DisclosureRecord.objects.get(index_number="015117762-202306-707714")
    fixture = {f.attname: getattr(record, f.attname) for f in DisclosureRecord._meta.concrete_fields}
    record.delete()
    DisclosureRecord.history.model.objects.all().delete()
    return fixture


@pytest.fixture
def importer(db):
    """A district-wide reviewer who imports (superuser: every permission)."""
    return get_user_model().objects.create_superuser("importer", "importer@example.com", "Imp0rt-Passw0rd!")


def fixture_bytes(name):
    return (FIXTURES / name).read_bytes()
