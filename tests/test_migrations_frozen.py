"""A data migration must do the same on every install, whatever the live code says later: its
RunPython functions work on `apps.get_model(...)` and frozen copies of what they need, never on
a project module imported from the migration (docs/decisions/0129's migration 0008 and
proposals 0002 carry such copies). Django's generated `import app.module` lines for field
validators and upload paths are references, not behaviour, and are not what this checks."""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Derived data that must follow the live code: the search tokens are recomputed with the
# tokenizer that answers queries, or the index would not match what is asked.
LIVE_CODE_ALLOWED = {"search/migrations/0006_final_character_tokens.py": {"search.services"}}


def _project_configs():
    """The project's own apps: a folder of the checkout's top level (not the virtualenv's)."""
    root = Path(settings.BASE_DIR).resolve()
    return [config for config in apps.get_app_configs() if Path(config.path).resolve().parent == root]


def _project_migrations():
    root = Path(settings.BASE_DIR).resolve()
    for config in _project_configs():
        folder = Path(config.path).resolve() / "migrations"
        for path in sorted(folder.glob("0*.py")):
            yield path.relative_to(root).as_posix(), path


def _project_packages():
    return {config.name.split(".")[0] for config in _project_configs()}


def test_data_migrations_import_no_project_code():
    packages = _project_packages()
    found = {}
    for name, path in _project_migrations():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if "RunPython" not in ast.unparse(tree):
            continue
        modules = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in packages
        }
        modules -= LIVE_CODE_ALLOWED.get(name, set())
        if modules:
            found[name] = sorted(modules)
    assert found == {}


def test_the_check_reads_the_migrations():
    names = [name for name, _ in _project_migrations()]
    assert "proposals/migrations/0002_default_vocabularies.py" in names
    assert all(name in names for name in LIVE_CODE_ALLOWED)
