"""A stuck test fails with a message and every thread's stack (pytest.ini: timeout), so a hang
fails in minutes and says where, instead of running into CI's own limit with nothing said. The
pinned-clock run (.ci/run) runs this too: there a timer thread's wait would never end."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUCK = """
import threading

def test_waits_for_what_never_comes():
    threading.Event().wait()
"""


def test_a_stuck_test_fails_and_shows_where_it_waits(tmp_path):
    (tmp_path / "test_stuck.py").write_text(STUCK)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:django",
            "-o",
            "timeout=2",
            str(tmp_path / "test_stuck.py"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode != 0
    assert "Timeout" in run.stdout and "test_waits_for_what_never_comes" in run.stdout, run.stdout[-2000:]


def test_the_limit_is_set_for_every_test(pytestconfig):
    assert pytestconfig.getini("timeout") == "600"
    assert pytestconfig.getini("timeout_method") == "signal"
