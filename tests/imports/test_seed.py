"""The seed page's plain-text capture imports into the record the fixture holds, once staff
have checked every place NOTES.md lists as lost in capture (each of which is flagged)."""

import re

import pytest

from disclosures.models import DisclosureRecord
from disclosures.sanitize import sanitize_html
from imports import services
from imports.models import Flag, ImportBatch, RowResult

from .conftest import FIXTURES, fixture_bytes

pytestmark = pytest.mark.django_db


def notes_items():
    """[(line, captured, restored)] from the table in the seed's NOTES.md."""
    items = []
    for row in (FIXTURES / "seed_NOTES.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.match(r"^\d", cells[0]):
            continue
        captured, restored = (re.search(r"`([^`]+)`", cell)[1] for cell in cells[1:])
        for line in cells[0].split(","):
            items.append((int(line), captured, restored))
    return items


def import_seed(user):
    batch = services.batch_create(
        user=user, name="000_aa8be4c909c4f0d9.txt", data=fixture_bytes("seed_capture.txt"), source_system="官渡区旧站"
    )
    services.batch_execute(batch=batch, dry_run=True)
    return services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False)


def test_notes_lists_sixteen_places():
    assert len(notes_items()) == 18  # 16 rows, two of them on two lines


def test_every_notes_item_is_flagged_where_it_stands_with_a_reading_that_restores_it(vocab, importer):
    batch = import_seed(importer)
    flags = list(Flag.objects.filter(batch=batch))
    for line, captured, restored in notes_items():
        matching = [f for f in flags if f.line == line and f.found in captured and f.found]
        assert matching, f"line {line}: {captured} not flagged"
        assert any(f.suggestion and f.suggestion in restored for f in matching), (line, captured, matching)
    # Nothing else in the letter is flagged: every flag is one of NOTES.md's places.
    items = notes_items()
    for flag in flags:
        assert any(flag.line == line and flag.found in captured for line, captured, _ in items), flag


def test_the_seed_imports_as_the_fixture_record_once_staff_have_checked_it(vocab, importer):
    batch = import_seed(importer)
    result = RowResult.objects.get(batch=batch, dry_run=False)
    assert result.action == RowResult.Action.CREATE
    record = DisclosureRecord.objects.get(index_number="015117762-202306-707714")
    assert record.status == DisclosureRecord.Status.DRAFT
    assert record.written_date is None  # the date line lost its 年月日: not guessed

    for flag in Flag.objects.filter(batch=batch).order_by("pk"):
        line, captured, restored = next(i for i in notes_items() if i[0] == flag.line and flag.found in i[1])
        at = captured.index(flag.found)
        before, after = captured[:at], captured[at + len(flag.found) :]
        if restored.startswith(before) and restored.endswith(after):
            reading = restored[len(before) : len(restored) - len(after)]
            action = "accept" if reading == flag.suggestion else "edit"
            services.flag_resolve(flag=flag, user=importer, action=action, text=reading)
        else:
            # More was lost around it than one place can hold: staff edit the record itself.
            record.refresh_from_db()
            assert captured in record.body
            record.body = record.body.replace(captured, restored)
            record.save()
            services.flag_resolve(flag=flag, user=importer, action="keep")

    record.refresh_from_db()
    fixture = vocab
    for name, value in fixture.items():
        if name in ("id", "status", "created_at", "updated_at"):
            continue
        if name == "body":
            value = sanitize_html(
                value
            )  # the fixture is loaded raw: a saved record's body is sanitized (\xa0 → &nbsp;)
        assert getattr(record, name) == value, name
    assert not Flag.objects.open().exists()


def test_the_letters_date_flag_gives_the_written_date(vocab, importer):
    batch = import_seed(importer)
    flag = Flag.objects.get(batch=batch, found="2023531")
    assert flag.sets_field == "written_date"
    services.flag_resolve(flag=flag, user=importer, action="accept")
    record = DisclosureRecord.objects.get(index_number="015117762-202306-707714")
    assert str(record.written_date) == "2023-05-31"
    assert '<p class="signature">2023年5月31日</p>' in record.body
