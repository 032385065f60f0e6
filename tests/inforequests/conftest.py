import datetime as dt

import pytest
import time_machine

SATURDAY_NOON = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)  # Saturday noon in Shanghai


@pytest.fixture
def saturday_noon():
    """The clock pinned (`pytestmark = pytest.mark.usefixtures("saturday_noon")`): tests whose
    steps are dated up to early December 2026 pass on any day and at any hour."""
    with time_machine.travel(SATURDAY_NOON, tick=False):
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # The project's chromium and flags (tests/browser/conftest.py), for this app's browser test.
    from tests.browser.conftest import LAUNCH_ARGS, find_chromium, missing

    executable = find_chromium()
    if executable is None:
        missing("No chromium found")
    return {**browser_type_launch_args, "executable_path": executable, "args": LAUNCH_ARGS}
