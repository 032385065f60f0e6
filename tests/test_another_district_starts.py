"""Another district starts the platform from a fresh clone, following only the documentation: it
can serve an empty site without the Guandu seed, and the first-start steps name what it must set
so that no page of its site answers 404 or prints the Guandu District's numbers."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def planned(*args):
    # `make -n` prints what the target would run without running any of it.
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_serves_an_empty_site_with_seed_0():
    assert "load_seed" in planned() and "load_demo_data" in planned()
    empty = planned("SEED=0")
    assert "migrate" in empty and "gunicorn" in empty
    assert "load_seed" not in empty and "load_demo_data" not in empty
