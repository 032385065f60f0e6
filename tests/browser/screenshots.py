"""Screenshots of the main pages in normal and 长者模式, for docs/screenshots/ and the README.

Not part of the test run (the file name does not start with test_). Make them with
    .venv/bin/pytest tests/browser/screenshots.py -p no:cacheprovider
on a machine with a CJK font (Debian: fonts-wqy-microhei), then commit the PNGs."""

from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MODES = {"normal": "", "elder": "elder=1"}
PAGES = [  # (file name, URL name or None for the seed record)
    ("home", "portal:home"),
    ("catalogue", "disclosures:catalogue"),
    ("record", None),
    ("proposals", "proposals:list"),
    ("communities", "communities:index"),
    ("accessibility", "portal:accessibility"),
]


def test_take_screenshots(site, reader_context):
    OUT.mkdir(parents=True, exist_ok=True)
    taken = []
    for mode, cookie in MODES.items():
        page = reader_context(reader=cookie, width=1280, height=800).new_page()
        for name, url_name in PAGES:
            try:
                url = reverse(url_name) if url_name else site.seed.get_absolute_url()
            except NoReverseMatch:
                continue
            page.goto(url)
            path = OUT / f"{name}-{mode}.png"
            page.screenshot(path=path)
            taken.append(path)
    # The toolbar open in 黑底黄字 and a phone-sized record page in 长者模式.
    page = reader_context(reader="contrast=yb&toolbar=1", width=1280, height=800).new_page()
    page.goto(site.seed.get_absolute_url())
    page.screenshot(path=OUT / "toolbar-contrast-yb.png")
    page = reader_context(reader="elder=1", width=390, height=844, device_scale_factor=1).new_page()
    page.goto(site.seed.get_absolute_url())
    page.screenshot(path=OUT / "record-elder-phone.png")
    assert taken


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__]))
