import pytest


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # The project's chromium and flags (tests/browser/conftest.py), for this app's browser test.
    from tests.browser.conftest import LAUNCH_ARGS, find_chromium, missing

    executable = find_chromium()
    if executable is None:
        missing("No chromium found")
    return {**browser_type_launch_args, "executable_path": executable, "args": LAUNCH_ARGS}
