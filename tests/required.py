"""Checks that may skip on a developer machine but must run in CI: a missing browser or standby
skips locally and fails where an environment variable (set by .ci/run) requires the checks."""

import os

import pytest


def required(variable) -> bool:
    return os.environ.get(variable) == "1"


def skip_or_fail(what, *, variable, checks, how=""):
    """Skip with a clear message locally; fail where `variable`=1 requires `checks`."""
    if required(variable):
        pytest.fail(f"{what}, and {variable}=1 forbids skipping {checks}", pytrace=False)
    setup = f"{how}; " if how else ""
    pytest.skip(f"{what}: {checks} skipped ({setup}set {variable}=1 to make this a failure)")
