"""Without a standby the standby tests skip on a developer machine, and fail where CI requires
them (GOVPORTAL_REQUIRE_STANDBY=1, tests/standby.py)."""

import pytest

from tests.standby import missing


def test_a_missing_standby_skips_locally_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("GOVPORTAL_REQUIRE_STANDBY", raising=False)
    with pytest.raises(pytest.skip.Exception, match="No replica configured.*make standby.*GOVPORTAL_REQUIRE_STANDBY=1"):
        missing("No replica configured")


def test_a_missing_standby_fails_when_ci_requires_it(monkeypatch):
    monkeypatch.setenv("GOVPORTAL_REQUIRE_STANDBY", "1")
    with pytest.raises(pytest.fail.Exception, match="No replica configured.*forbids skipping"):
        missing("No replica configured")
