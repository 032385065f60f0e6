"""core.stamped: facts kept until a change to what they are read from commits. These tests use
real commits (no test transaction around them), where the order of on_commit callbacks matters."""

import pytest
from django.core.signals import request_started
from django.db import transaction
from django.test import override_settings

from core.stamped import StampedLookups

pytestmark = [pytest.mark.django_db(transaction=True)]
lookups = StampedLookups("test:stamped")


@pytest.fixture
def source():
    """What the facts are read from, and how often it was read."""
    state = {"value": 1, "reads": 0}

    def read():
        state["reads"] += 1
        return state["value"]

    with override_settings(KEPT_LOOKUPS=True):
        yield state, read


def test_kept_until_a_change_commits(source):
    state, read = source
    assert lookups.get("k", read) == 1 and lookups.get("k", read) == 1
    assert state["reads"] == 1
    with transaction.atomic():
        state["value"] = 2
        lookups.forget_all()
        assert lookups.get("k", read) == 2  # the changing transaction reads its own rows…
    assert lookups.get("k", read) == 2  # …and everyone reads the new ones once it commits


def test_a_callback_of_the_commit_that_runs_before_the_new_stamp_is_written_reads_afresh(source):
    state, read = source
    assert lookups.get("k", read) == 1
    seen = []
    with transaction.atomic():
        # Registered before the change's own callback (a recomputation after the commit, say).
        transaction.on_commit(lambda: seen.append(lookups.get("k", read)))
        state["value"] = 2
        lookups.forget_all()
    assert seen == [2]


def test_after_a_rollback_the_next_request_keeps_facts_again(source):
    state, read = source
    assert lookups.get("k", read) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        lookups.forget_all()
        raise RuntimeError("rolled back")
    assert lookups.get("k", read) == 1 and state["reads"] == 2  # read afresh, not kept
    request_started.send(sender=None)
    reads = state["reads"]
    assert lookups.get("k", read) == 1 and lookups.get("k", read) == 1
    assert state["reads"] == reads  # the stamp never changed: the kept fact is used again
