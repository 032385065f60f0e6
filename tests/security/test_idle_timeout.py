"""Staff sessions end after STAFF_IDLE_TIMEOUT_SECONDS without a request, with a warning first
that needs no JavaScript. The clock is pinned (at a time when Shanghai and UTC dates differ)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Action, AuditEntry
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 31, 16, 50, tzinfo=dt.UTC)  # 00:50 on 1 January in Shanghai


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff_client(client, clock):
    return sign_in_staff(client, get_user_model().objects.create_superuser("wang-staff", "", "Guandu-2026-docs"))


def test_admin_pages_say_when_the_session_ends(staff_client, settings):
    assert settings.STAFF_IDLE_TIMEOUT_SECONDS == 15 * 60  # the default
    for url in ["/admin/", "/admin/disclosures/disclosurerecord/add/"]:
        page = staff_client.get(url).content.decode()
        # Shanghai time, for readers without JavaScript; the script warns two minutes before.
        assert ('无操作将于 <time datetime="2026-12-31T17:05:00+00:00">01:05</time> 自动退出') in page, url
        assert 'data-warn-in="780"' in page and "js/idle-timeout.js" in page
        assert 'http-equiv="refresh"' not in page  # a timed refresh fails WCAG 2.2.1


def test_activity_keeps_the_session_and_idleness_ends_it(staff_client, clock):
    clock.shift(dt.timedelta(minutes=14))
    assert staff_client.get("/admin/").status_code == 200  # counts as activity
    clock.shift(dt.timedelta(minutes=14))
    assert staff_client.get("/admin/").status_code == 200
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    response = staff_client.get("/admin/disclosures/disclosurerecord/", follow=True)
    assert response.redirect_chain[0][0] == "/admin/login/?next=/admin/disclosures/disclosurerecord/"
    assert "由于 15 分钟无操作，您已自动退出登录" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert staff_client.get("/admin/").status_code == 302  # and it stays signed out
    entry = AuditEntry.objects.get(action=Action.IDLE_LOGOUT)
    assert entry.actor_name == "wang-staff" and not AuditEntry.objects.filter(action=Action.LOGOUT).exists()


def test_continuing_from_the_warning_keeps_the_session(staff_client, clock):
    staff_client.get("/admin/")
    clock.shift(dt.timedelta(minutes=14))
    assert staff_client.get("/accounts/2fa/session/").status_code == 405  # POST only
    state = staff_client.post("/accounts/2fa/session/").json()
    assert state == {"ends_at": "2026-12-31T17:19:00+00:00", "label": "01:19", "warn_in": 780}
    clock.shift(dt.timedelta(minutes=14))
    assert staff_client.get("/admin/").status_code == 200


def test_the_timeout_is_a_setting(staff_client, clock, settings):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60
    staff_client.get("/admin/")
    clock.shift(dt.timedelta(minutes=29))
    assert staff_client.get("/admin/").status_code == 200


def test_activity_is_written_at_most_once_a_minute(staff_client, clock):
    def session_writes(url="/admin/"):
        with CaptureQueriesContext(connection) as queries:
            page = staff_client.get(url).content.decode()
        return page, [
            q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
        ]

    staff_client.get("/admin/")
    clock.shift(dt.timedelta(seconds=30))
    page, writes = session_writes()
    assert not writes  # no UPDATE and COMMIT on every admin page
    assert '<time datetime="2026-12-31T17:05:00+00:00">' in page and 'data-warn-in="750"' in page  # as written
    clock.shift(dt.timedelta(seconds=30))
    page, writes = session_writes()
    assert len(writes) == 1 and '<time datetime="2026-12-31T17:06:00+00:00">' in page
    clock.shift(dt.timedelta(minutes=15, seconds=1))  # still never later than the timeout
    assert staff_client.get("/admin/").status_code == 302
