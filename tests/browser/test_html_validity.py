"""The Nu HTML Checker (npm vnu-jar) on the HTML the server sends for every public page type,
in each reading mode. All pages go to one JVM: each start costs seconds."""

import json
import subprocess

from django.test import Client

from .public_urls import BROWSER_UA

# The markup differs between modes only in attribute values and the open toolbar; check the
# default page and one with every preference switched on.
MODES = {
    "default": "",
    "all-on": "elder=1&font_step=2&contrast=yb&big_cursor=1&guide=1&text_only=1&speech=1&toolbar=1",
}
# A known-bad page goes into the same JVM run: it must be reported, or a pass means nothing.
BROKEN = '<!DOCTYPE html><html lang="zh-CN"><head><title>x</title></head><body><img src="a.png"></p></body></html>'


def test_every_public_page_is_valid_html(site, vnu_command, tmp_path):
    files = {}
    for mode, cookie in MODES.items():
        client = Client(HTTP_USER_AGENT=BROWSER_UA)
        if cookie:
            client.cookies["reader"] = cookie
        for number, item in enumerate(site.pages):
            response = client.get(item.url)
            assert response.status_code == item.status, item
            path = tmp_path / f"{mode}-{number:02d}.html"
            path.write_bytes(response.content)
            files[str(path)] = f"{item} [{mode}]"
    broken = tmp_path / "known-broken.html"
    broken.write_text(BROKEN)

    result = subprocess.run(
        [*vnu_command, "--errors-only", "--format", "json", "--stdout", *files, str(broken)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = {}
    for message in json.loads(result.stdout)["messages"]:
        if message.get("type") in ("error", "non-document-error"):
            path = "/" + message.get("url", "").removeprefix("file:").lstrip("/")
            errors.setdefault(path, []).append(
                f"line {message.get('lastLine')}: {message.get('message')} [{message.get('extract', '').strip()}]"
            )
    assert any("alt" in line for line in errors.pop(str(broken), [])), "the checker missed a known error"
    report = [f"{files.get(path, path)} {line}" for path, lines in errors.items() for line in lines]
    assert not report, f"{len(report)} HTML errors:\n" + "\n".join(report)
    assert len(files) == len(site.pages) * len(MODES)
