"""A worker loads only what every request needs: heavy libraries used by one rare download are
imported where they are used (each costs every gunicorn worker its memory for its lifetime).
pypinyin (57 MiB of dictionaries) is needed only to index a title, not to serve or search."""

import json
import os
import subprocess
import sys

from django.conf import settings

HEAVY = ["openpyxl", "lxml", "PIL", "reportlab", "cryptography.fernet", "mammoth", "docx", "bs4", "pypinyin"]


def test_the_production_app_starts_without_heavy_libraries():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "govportal.settings.prod", "SECRET_KEY": "s" * 64, "ALLOWED_HOSTS": "x"})
    code = "import sys, json; from govportal.wsgi import application; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert [name for name in HEAVY if name in loaded] == []
