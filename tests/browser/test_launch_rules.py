"""Chromium is found where Debian puts it, or not at all (then tests/test_skip_rules.py)."""

from .conftest import find_chromium, missing


def test_without_chromium_the_checks_skip_or_fail_by_the_rule(monkeypatch):
    monkeypatch.setenv("GOVPORTAL_CHROMIUM", "/nonexistent/chromium")
    assert find_chromium() is None  # then `missing` decides (tests/test_skip_rules.py)


def test_debians_chromium_is_found_by_default(monkeypatch):
    monkeypatch.delenv("GOVPORTAL_CHROMIUM", raising=False)
    if find_chromium() is None:
        missing("No chromium found")
    assert find_chromium().endswith("chromium")
