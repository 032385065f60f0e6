"""`make bench`'s import row (bench/importing.py) at a small scale: both paths write and then
leave the database as it was."""

import pytest

from bench import importing
from disclosures.models import DisclosureRecord, Genre
from imports.models import ImportBatch, LegacyRedirect
from search.models import SearchDocument
from tests.disclosures.factories import OrganizationFactory, TopicFactory


@pytest.mark.django_db
def test_the_import_bench_measures_and_rolls_back(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = tmp_path
    OrganizationFactory(name="基准测试单位01（基准测试数据）")
    TopicFactory(name="综合政务")
    # The genres come from a data migration; a transactional test run before this one in the
    # same process may have flushed them.
    Genre.objects.get_or_create(name="通知")
    assert importing._generator_rate(40) > 0
    result = importing._import_rate(40)
    assert result["counts"]["create"] == 40 and result["flags"] >= 2  # one row in 20 lost characters
    assert not DisclosureRecord.objects.exists() and not SearchDocument.objects.exists()
    assert not ImportBatch.objects.exists() and not LegacyRedirect.objects.exists()
    assert not list(tmp_path.rglob("*.csv"))  # the uploaded file is gone too
