"""A record's 成文日期 and 发布日期 lie between 1949-10-01 and two years from today, said beside
the field; and the Art. 26 working-day count stays quick and safe for whatever dates older rows
still hold (9999-12-31 was a 500, 0001-01-01 took 13 s, a 发布日期 in 9999 never finished)."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.concurrency import current_version
from core.roles import ENTRY_CLERK, REVIEW_GROUPS
from core.working_days import Calendar
from disclosures import services
from disclosures.models import DisclosureRecord, record_latest_date
from tests.disclosures.factories import OrganizationFactory, RecordFactory
from tests.disclosures.test_admin import form_data, staff
from tests.disclosures.test_review import record_data
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
RECORDS = "/admin/disclosures/disclosurerecord/"
LAST_DAY = dt.date.max


def date_errors(record):
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    return {
        name: messages
        for name, messages in error.value.message_dict.items()
        if name in ("written_date", "published_at")
    }


def local(day, hour=9, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def counted_days(monkeypatch):
    """How many days the working-day count looked at."""
    seen = []
    original = Calendar.is_workday

    def is_workday(calendar, day):
        seen.append(day)
        return original(calendar, day)

    monkeypatch.setattr(Calendar, "is_workday", is_workday)
    return seen


# --- the range, beside the field ------------------------------------------------------------


def test_the_bounds_themselves_are_accepted():
    RecordFactory(written_date=dt.date(1949, 10, 1), published_at=local(dt.date(1949, 10, 1))).full_clean()
    latest = record_latest_date()
    RecordFactory(written_date=latest, published_at=local(latest, 23, 59)).full_clean()


@pytest.mark.parametrize(
    "day, why",
    [
        (dt.date(1, 1, 1), "早于1949年10月1日"),
        (dt.date(1949, 9, 30), "早于1949年10月1日"),
        (None, "晚于"),
        (LAST_DAY, "晚于"),
    ],
    ids=["year-1", "before-1949-10-01", "a-day-too-far-ahead", "9999"],
)
def test_dates_outside_the_range_are_refused_beside_each_field(day, why):
    day = day or record_latest_date() + dt.timedelta(days=1)
    record = RecordFactory()
    record.written_date, record.published_at = day, local(day, 0, 0)
    errors = date_errors(record)
    assert set(errors) == {"written_date", "published_at"}
    assert errors["written_date"][0].startswith(f"成文日期不能{why}")
    assert errors["published_at"][0].startswith(f"发布日期不能{why}")


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_the_form_says_so_beside_the_field_and_keeps_the_input(client, value):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    response = client.post(f"{RECORDS}add/", form_data(written_date=value, title="保留的标题", summary="保留的概述"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["written_date"] and errors["written_date"][0].startswith("成文日期不能")
    html = response.content.decode()
    assert "保留的标题" in html and "保留的概述" in html and value in html
    assert not DisclosureRecord.objects.exists()


def test_a_publication_date_in_9999_is_refused_beside_the_field(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(published_at_0="9999-12-31", published_at_1="12:00", title="保留的标题")
    response = client.post(f"{RECORDS}add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["published_at"] and "发布日期不能晚于" in errors["published_at"][0]
    assert "保留的标题" in response.content.decode()


def pending(**fields):
    """A record under its 终审 (one review level), submitted by a clerk."""
    record = RecordFactory(publisher=OrganizationFactory(org_code="015117762", review_levels=1))
    services.record_submit(record=record, user=staff("clerk", ENTRY_CLERK))
    DisclosureRecord.objects.filter(pk=record.pk).update(**fields)  # as an older row may hold
    record.refresh_from_db()
    return record


def test_the_final_review_of_a_mistyped_date_is_a_form_error_not_a_500(client):
    record = pending()
    sign_in_staff(client, staff("chief", REVIEW_GROUPS["final"]))
    data = record_data(record, written_date="9999-12-31", edit_version=current_version(record), _review="approve")
    response = client.post(f"{RECORDS}{record.pk}/change/", data)
    assert response.status_code == 200
    assert "成文日期不能晚于" in response.context["adminform"].form.errors["written_date"][0]
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.PENDING


@pytest.mark.parametrize(
    "fields",
    [
        {"written_date": LAST_DAY},
        {"written_date": dt.date(1, 1, 1)},
        {"published_at": local(LAST_DAY, 12)},
    ],
    ids=["written-9999", "written-year-1", "published-9999"],
)
def test_an_older_row_with_such_a_date_is_refused_by_the_final_review(fields, counted_days):
    record = pending(**fields)
    with pytest.raises(ValidationError) as error:
        services.record_approve(record=record, user=staff("chief", REVIEW_GROUPS["final"]))
    assert re.search(r"(成文|发布)日期不能", "".join(error.value.messages))
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.PENDING
    assert len(counted_days) <= 366


# --- the Art. 26 warning on any dates ---------------------------------------------------------


def test_the_warning_is_safe_at_the_last_date_there_is(counted_days):
    assert services.publication_delay_warning(written=LAST_DAY, published=timezone.now()) is None
    assert (
        services.publication_delay_warning(written=LAST_DAY - dt.timedelta(days=3), published=local(LAST_DAY)) is None
    )
    last_moment = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)  # past the end in local time
    warning = services.publication_delay_warning(written=dt.date(9999, 11, 1), published=last_moment)
    assert warning and "第二十六条" in warning
    assert len(counted_days) <= 366


@pytest.mark.parametrize(
    "written, published",
    [(dt.date(1, 1, 1), None), (dt.date(2026, 1, 5), local(LAST_DAY, 12))],
    ids=["written-year-1", "published-9999"],
)
def test_a_span_of_centuries_is_reported_without_counting_it_day_by_day(written, published, counted_days):
    published = published or timezone.now()
    warning = services.publication_delay_warning(written=written, published=published)
    days = (timezone.localtime(published).date() - written).days
    assert f"相隔{days}天" in warning and "第二十六条" in warning
    assert counted_days == []


def test_a_late_publication_within_a_year_still_counts_working_days(counted_days):
    warning = services.publication_delay_warning(written=dt.date(2023, 5, 31), published=local(dt.date(2023, 7, 31)))
    assert "（42个工作日）" in warning
    assert 0 < len(counted_days) <= 366
