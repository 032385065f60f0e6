"""A worker keeps one malloc arena however many threads allocate (core.memory, ADR 0117):
checked in a fresh interpreter that loads the WSGI application as a gunicorn worker does,
then allocates from several threads and asks glibc how many arenas it has."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.memory import limit_malloc_arenas

ROOT = Path(__file__).resolve().parents[2]

# Threads that each malloc() many small blocks (below the mmap threshold, so from an arena) and
# keep them, all alive at once (a thread's arena is handed to the next thread once it exits),
# then glibc's malloc_stats() on stderr: one "Arena N:" line per arena.
WORKER = """
import ctypes, threading
{load}
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
kept = []
together = threading.Barrier(6)
def allocate():
    kept.extend(libc.malloc(2048) for _ in range(2000))
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc.malloc_stats()
"""

glibc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")


def arenas(load, **env):
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    environment.update({"DJANGO_SETTINGS_MODULE": "govportal.settings.test", "PYTHONPATH": str(ROOT)}, **env)
    result = subprocess.run(
        [sys.executable, "-c", WORKER.format(load=load)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return sum(1 for line in result.stderr.splitlines() if line.startswith("Arena "))


@glibc
def test_the_wsgi_application_keeps_one_arena_for_all_threads():
    assert arenas("import govportal.wsgi") == 1


@glibc
def test_glibc_gives_threads_arenas_of_their_own_without_it():
    """The comparison that makes the test above mean something: the same threads, no cap."""
    assert arenas("") > 1
    assert arenas("import govportal.wsgi", WORKER_MALLOC_ARENAS="0") > 1


@glibc
def test_an_operators_own_setting_wins():
    assert arenas("import govportal.wsgi", MALLOC_ARENA_MAX="3") == 3


def test_nothing_is_set_when_the_operator_chose(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    assert limit_malloc_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert limit_malloc_arenas(0) is False
