"""The public statistics page's 按月收到的申请（近12个月）: twelve months, this one included."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache

from .factories import make_case

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize(
    "now", [dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC)]
)
def test_the_months_are_the_last_twelve(client, now):
    with time_machine.travel(now, tick=False):
        first = make_case(received_on=D(2025, 12, 31))
        make_case(agency=first.agency, received_on=D(2026, 1, 1))
        make_case(agency=first.agency, received_on=D(2026, 12, 1))
        cache.clear()
        html = client.get(f"/disclosures/apply/statistics/{first.agency_id}/").content.decode()
    months = dict(re.findall(r"<tr><td>(\d{4}-\d{2})</td><td>(\d+)</td></tr>", html))
    assert months == {"2026-01": "1", "2026-12": "1"}  # not December 2025: thirteen months back
    assert "申请总数</th><td>3件" in html
