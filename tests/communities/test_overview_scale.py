"""The /communities/ overview picks the newest fact of each metric in the database, so what a
worker reads does not grow with the number of facts a platform has collected."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities import selectors
from communities.models import Fact, Metric

from .factories import FactFactory

pytestmark = pytest.mark.django_db


def test_overview_reads_only_the_newest_fact_of_each_metric(seed, settings):
    metric = Metric.objects.get(slug="consultation-activities")
    for year in range(2000, 2012):  # older figures of the same series
        FactFactory(
            metric=metric,
            value=Decimal(year),
            figure_text=f"{year}次",
            statement=f"截至{year}年底,官渡区共开展社区协商各类活动{year}次。",
            period=f"截至{year}年底",
            period_end=dt.date(year, 12, 31),
        )
    with CaptureQueriesContext(connection) as queries:
        overview = selectors._overview()
    fact_queries = [q["sql"] for q in queries if 'FROM "communities_fact"' in q["sql"] and "COUNT(" not in q["sql"]]
    # The choice is made over narrow rows (a window over ids: sorting the facts with their
    # records' columns spilled to disk at a million records); only the chosen facts are read whole.
    window = [sql for sql in fact_queries if "ROW_NUMBER()" in sql]
    chosen = [sql for sql in fact_queries if "ROW_NUMBER()" not in sql]
    assert len(window) == 1 and '"disclosures_disclosurerecord"."body"' not in window[0]
    assert chosen and all('"communities_fact"."id" IN (' in sql for sql in chosen)
    headline = next(h for h in overview["headlines"] if h.metric.slug == "consultation-activities")
    assert headline.fact.figure_text == "各类活动473次"  # the seed's 2022 figure, not an older one
    assert overview["fact_count"] == Fact.objects.public().count()
    # The same choice as picking in Python from every public fact.
    everything = selectors.latest_by_metric(list(Fact.objects.public().for_display()))
    assert selectors.latest_by_metric(selectors._latest_public_facts()) == everything
