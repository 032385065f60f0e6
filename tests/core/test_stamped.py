"""core.stamped: facts kept until a change to what they are read from commits. These tests use
real commits (no test transaction around them), where the order of on_commit callbacks matters."""

import datetime as dt

import pytest
from django.core.signals import request_started
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.models import WorkingDayOverride
from core.stamped import StampedLookups
from core.working_days import load_calendar

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


def test_the_calendar_is_kept_until_an_override_changes():
    """core.working_days.load_calendar: the override table read once, then kept; an override
    saved is seen by the next computation, including one run on the commit itself (the
    recomputation of open cases, inforequests.hooks)."""
    day = dt.date(2026, 10, 14)  # a Wednesday, a working day by the State Council's calendar
    with override_settings(KEPT_LOOKUPS=True):
        assert load_calendar().is_workday(day) == (True, True)
        with CaptureQueriesContext(connection) as queries:
            assert load_calendar().is_workday(day) == (True, True)
        assert not [q for q in queries.captured_queries if "core_workingdayoverride" in q["sql"]]
        seen = []
        with transaction.atomic():
            transaction.on_commit(lambda: seen.append(load_calendar().is_workday(day)))
            WorkingDayOverride.objects.create(date=day, is_workday=False, note="测试调整")
        assert seen == [(False, True)]
        request_started.send(sender=None)
        assert load_calendar().is_workday(day) == (False, True)
