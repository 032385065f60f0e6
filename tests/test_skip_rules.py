"""Without a browser or a standby, their checks skip on a developer machine with a message saying
how to run them, and fail where CI requires them (tests/required.py)."""

import pytest

from tests.browser.conftest import missing as missing_browser
from tests.standby import missing as missing_standby

RULES = [
    (missing_browser, "GOVPORTAL_REQUIRE_BROWSER", "No chromium found", "No chromium found.*browser checks skipped"),
    (missing_standby, "GOVPORTAL_REQUIRE_STANDBY", "No replica configured", "No replica configured.*make standby"),
]


@pytest.mark.parametrize("missing, variable, what, skipped", RULES)
def test_a_missing_part_skips_locally_with_a_clear_message(monkeypatch, missing, variable, what, skipped):
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{skipped}.*{variable}=1"):
        missing(what)


@pytest.mark.parametrize("missing, variable, what, skipped", RULES)
def test_a_missing_part_fails_where_ci_requires_it(monkeypatch, missing, variable, what, skipped):
    monkeypatch.setenv(variable, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{what}.*{variable}=1 forbids skipping"):
        missing(what)
