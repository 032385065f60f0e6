"""The admin's runs really happen in another process (`manage.py import_records --batch N`),
never in the web request: started here against the test database, and waited for."""

import time

import pytest
from django.conf import settings as django_settings

from disclosures.models import DisclosureRecord
from imports import services
from imports.models import ImportBatch

from .conftest import fixture_bytes

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def wait_for(batch, *states, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in states:
            return batch
        time.sleep(0.5)
    raise AssertionError(f"batch still {batch.status}: {batch.error}")


def test_runs_go_to_a_background_process(vocab, importer, settings, monkeypatch, tmp_path):
    db = django_settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    settings.IMPORTS_BACKGROUND = True
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "govportal.settings.dev")
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    batch = services.batch_create(
        user=importer, name="records.csv", data=fixture_bytes("records_gb18030.csv"), source_system="官渡区旧站"
    )
    started = services.batch_start(batch=batch, user=importer, action="dry_run")
    assert started.status == ImportBatch.Status.DRY_RUNNING  # the request returns at once
    batch = wait_for(batch, ImportBatch.Status.CHECKED, ImportBatch.Status.FAILED)
    assert batch.status == ImportBatch.Status.CHECKED, batch.error
    assert batch.report["counts"]["create"] == 3
    services.batch_start(batch=batch, user=importer, action="run")
    batch = wait_for(batch, ImportBatch.Status.DONE, ImportBatch.Status.FAILED)
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert DisclosureRecord.objects.filter(imported__batch=batch).count() == 3
    log = (tmp_path / "imports" / f"batch-{batch.pk}.log").read_text()
    assert "8/8 行（100%）" in log  # the command's progress lines went to the batch's log
    assert "正式导入完成：新建 3" in log
