"""core.storage.MediaStorage removes what a write that failed (a full disk) left, and only that:
never a file another upload wrote. On a real file system that fills up: a tiny tmpfs (root)."""

import os
import subprocess

import pytest
from django.core.files.base import ContentFile

from core.storage import MediaStorage


@pytest.fixture
def small_disk(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    if os.geteuid() != 0:
        pytest.skip("filling a file system needs root (a tmpfs mount)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(media)], capture_output=True)
    if mounted.returncode:
        pytest.skip("cannot mount a tmpfs here (root without CAP_SYS_ADMIN)")
    yield media
    subprocess.run(["umount", str(media)], capture_output=True)


class TakenMeanwhile(ContentFile):
    """An upload whose name another upload (another staff member's 答复书.pdf, the same year)
    takes between the moment the storage picked it and the moment it creates the file: the
    storage looks for a temporary file path just before it opens the file."""

    def __init__(self, content, other_path, other_content):
        super().__init__(content)
        self.other_path, self.other_content = other_path, other_content

    def __getattr__(self, name):
        if name == "temporary_file_path" and not os.path.exists(self.other_path):
            with open(self.other_path, "wb") as other:  # the other upload, whole
                other.write(self.other_content)
        raise AttributeError(name)


def test_a_write_the_disk_cannot_hold_leaves_nothing(small_disk):
    storage = MediaStorage(location=small_disk)
    with pytest.raises(OSError):
        storage.save("inforequests/2026/答复书.pdf", ContentFile(b"%PDF" * 16384))
    assert not [path for path in small_disk.rglob("*") if path.is_file()]


def test_a_failed_write_never_removes_the_file_of_an_upload_that_took_its_name_first(small_disk):
    storage = MediaStorage(location=small_disk)
    (small_disk / "inforequests" / "2026").mkdir(parents=True)
    other = small_disk / "inforequests" / "2026" / "答复书.pdf"
    upload = TakenMeanwhile(b"%PDF" * 16384, str(other), b"%PDF the other reply")
    with pytest.raises(OSError):
        storage.save("inforequests/2026/答复书.pdf", upload)
    assert other.read_bytes() == b"%PDF the other reply"  # the other upload's file stays
    # and the part of this one, written under the next free name, is gone
    assert [path.name for path in small_disk.rglob("*") if path.is_file()] == ["答复书.pdf"]
