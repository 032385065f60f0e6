"""Without a browser the checks skip on a developer machine, and fail where CI requires them."""

import pytest

from .conftest import find_chromium, missing


def test_a_missing_browser_skips_locally_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("GOVPORTAL_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("GOVPORTAL_REQUIRE_BROWSER", raising=False)
    assert find_chromium() is None
    with pytest.raises(pytest.skip.Exception, match="No chromium found.*GOVPORTAL_REQUIRE_BROWSER=1"):
        missing("No chromium found")


def test_a_missing_browser_fails_when_ci_requires_it(monkeypatch):
    monkeypatch.setenv("GOVPORTAL_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="No chromium found.*forbids skipping"):
        missing("No chromium found")


def test_debians_chromium_is_found_by_default(monkeypatch):
    monkeypatch.delenv("GOVPORTAL_CHROMIUM", raising=False)
    if find_chromium() is None:
        missing("No chromium found")
    assert find_chromium().endswith("chromium")
