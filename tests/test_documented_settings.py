"""Every setting the code reads from the environment is documented where an operator looks
(README.md, docs/deployment.md, docs/operations.md): an operator found fourteen that were not,
among them the switches without which no one can sign in over plain HTTP."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""(?:os\.environ\.get|os\.environ\[|env_bool|env_list|os\.getenv)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
# Read by the machinery rather than configured by an operator.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}


def test_every_environment_setting_is_documented():
    names = set()
    for path in (ROOT / "govportal" / "settings").glob("*.py"):
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    docs = "".join(
        (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "docs/deployment.md", "docs/operations.md")
    )
    missing = sorted(name for name in names - NOT_SETTINGS if f"`{name}`" not in docs)
    assert names and not missing, f"not documented: {missing}"
