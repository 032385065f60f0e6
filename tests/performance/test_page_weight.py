"""Page weight under the production settings: the seed record's HTML ≤ 10 KB gzipped, all
CSS + JS ≤ 50 KB, static files under hashed names with far-future cache headers, and no
request to a third party from any page."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

PAGES = [
    "/",
    "/disclosures/",
    "/disclosures/015117762-202306-707714/",
    "/disclosures/guide/",
    "/search/?q=社区",
    "/proposals/",
    "/communities/",
    "/sitemap/",
    "/accessibility/",
]

SCRIPT = r"""
import gzip, json, re, sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client

settings.STATIC_ROOT = sys.argv[1]  # a private copy: collectstatic must not touch the shared one
call_command("migrate", "--noinput", verbosity=0)
call_command("load_seed", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0")
pages, assets = {}, {}
RESOURCE = re.compile(r'<(?:script|img|iframe|source|embed|audio|video)\b[^>]*\bsrc="([^"]*)"|<link\b[^>]*\bhref="([^"]*)"', re.I)
for url in json.loads(sys.argv[2]):
    response = client.get(url)
    html = response.content
    resources = [a or b for a, b in RESOURCE.findall(html.decode())]
    pages[url] = {"status": response.status_code, "bytes": len(html),
                  "gzip": len(gzip.compress(html, 6)), "resources": resources}
    for src in resources:
        if src.startswith("/static/") and src not in assets:
            asset = client.get(src)
            body = b"".join(asset.streaming_content) if asset.streaming else asset.content
            assets[src] = {"status": asset.status_code, "cache_control": asset.get("Cache-Control", ""),
                           "bytes": len(body)}
print(json.dumps({"pages": pages, "assets": assets}))
"""


@pytest.fixture(scope="module")
def production_pages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("weight")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "govportal.settings.prod",
            "SECRET_KEY": "w" * 64,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": f"sqlite:///{tmp / 'weight.sqlite3'}",
            "PAGE_CACHE_STAMP_FILE": str(tmp / "stamp"),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp / "static"), json.dumps(PAGES)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_seed_record_html_is_at_most_10_kb_gzipped(production_pages):
    seed = production_pages["pages"]["/disclosures/015117762-202306-707714/"]
    assert seed["status"] == 200
    assert seed["gzip"] <= 10 * 1024, seed


def test_all_css_and_js_together_at_most_50_kb():
    """As served: minified by collectstatic (core.staticmin), which the next test checks."""
    from core.staticmin import served_sizes

    sizes = served_sizes(settings.BASE_DIR / "static")
    assert any(name.endswith(".css") for name in sizes) and any(name.endswith(".js") for name in sizes)
    assert sum(sizes.values()) <= 50 * 1024, sizes


def test_the_sites_css_and_js_are_served_minified(production_pages):
    """What the budget counts is what readers download: each of the site's own files served
    under its hashed name is the minified source, not the commented one."""
    from core.staticmin import served_sizes

    sizes = served_sizes(settings.BASE_DIR / "static")
    served = {src: asset for src, asset in production_pages["assets"].items() if src.endswith((".css", ".js"))}
    checked = 0
    for src, asset in served.items():
        name = __import__("re").sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", src.removeprefix(settings.STATIC_URL))
        if name in sizes:
            source = (settings.BASE_DIR / "static" / name).read_text(encoding="utf-8")
            # Plus the content hash in each url() the storage rewrote (".0123456789ab", 13 bytes).
            hashed = 13 * source.count("url(")
            assert sizes[name] <= asset["bytes"] <= sizes[name] + hashed < len(source.encode()), (
                src,
                asset,
                sizes[name],
            )
            checked += 1
    assert checked >= 2, served


def test_static_files_have_hashed_names_and_far_future_cache_headers(production_pages):
    assets = production_pages["assets"]
    assert any(src.endswith(".css") for src in assets) and any(src.endswith(".js") for src in assets)
    for src, asset in assets.items():
        assert asset["status"] == 200, src
        assert __import__("re").search(r"\.[0-9a-f]{12}\.\w+$", src), f"{src} has no content hash"
        control = asset["cache_control"]
        assert "immutable" in control and int(control.split("max-age=")[1].split(",")[0]) >= 365 * 24 * 3600, control


def test_no_page_loads_anything_from_a_third_party(production_pages):
    for url, page in production_pages["pages"].items():
        assert page["status"] == 200, url
        for src in page["resources"]:
            assert not src.startswith(("http:", "https:", "//")), (url, src)
