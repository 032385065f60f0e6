"""Every setting the code reads from the environment is documented where an operator looks
(README.md, docs/deployment.md, docs/operations.md): an operator found fourteen that were not,
among them the switches without which no one can sign in over plain HTTP."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(
    r"""(?:os\.environ\.get|os\.environ\[|env_bool|env_int|env_float|env_list|os\.getenv)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
)
# Read by the machinery rather than configured by an operator.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}


def read_names():
    names = set()
    for path in (ROOT / "govportal" / "settings").glob("*.py"):
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_environment_setting_is_documented():
    names = read_names()
    docs = "".join(
        (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "docs/deployment.md", "docs/operations.md")
    )
    missing = sorted(name for name in names - NOT_SETTINGS if f"`{name}`" not in docs)
    assert names and not missing, f"not documented: {missing}"


def test_every_documented_variable_is_read():
    """KEPT_UPLOAD_HOURS sat in deployment.md's table but was never read from the environment."""
    table = (
        (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8").split("## Settings", 1)[1].split("\n## ", 1)[0]
    )
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", table, re.MULTILINE))
    by_django = NOT_SETTINGS | {"DATABASE_URL"}  # dj_database_url reads it
    assert documented and not sorted(documented - read_names() - by_django)


def test_make_run_gives_a_request_the_time_production_does():
    """`make run` and production share govportal/gunicorn.py: an upload read in its request (or
    a long CSV export) was cut off at gunicorn's default 30 s under `make run` only."""
    from govportal import gunicorn

    documented = re.search(r"--timeout (\d+)", (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8"))
    assert documented and gunicorn.timeout == int(documented.group(1)) >= 300
    upload = re.search(
        r"client_max_body_size (\d+)m;",
        (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8").split("importbatch/add/")[1],
    )
    from imports.forms import MAX_UPLOAD_BYTES

    # Above the app's limit (the form's other fields, multipart's boundaries), so that a file just
    # over it gets the app's message beside the field rather than nginx's bare 413 page.
    assert upload and MAX_UPLOAD_BYTES < int(upload.group(1)) * 1024**2 <= MAX_UPLOAD_BYTES * 1.25
