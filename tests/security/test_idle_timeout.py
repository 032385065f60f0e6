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


# --- a form sent after the session ended --------------------------------------------------


def _hidden_fields(html):
    import html as html_module
    import re

    return [
        (html_module.unescape(name), html_module.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
        if name not in ("csrfmiddlewaretoken", "next")
    ]


def test_a_record_typed_past_the_timeout_is_kept_and_sent_again_after_signing_in(staff_client, clock):
    """Typing a long record takes longer than 15 minutes: 保存 then signed out and dropped it."""
    from disclosures.models import DisclosureRecord
    from tests.disclosures.test_admin import form_data

    user = get_user_model().objects.get(username="wang-staff")
    staff_client.get("/admin/")
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    typed = form_data(title="关于做好冬季供暖工作的通知", body="<p>写了很久的正文：“取暖”&amp;<b>保障</b></p>")
    response = staff_client.post("/admin/disclosures/disclosurerecord/add/", typed, follow=True)
    assert "您刚才提交的内容已保留" in response.content.decode()
    assert not DisclosureRecord.objects.exists()

    sign_in_staff(staff_client, user)  # signs in again (both steps), in the same browser
    back = staff_client.get("/admin/disclosures/disclosurerecord/add/", follow=True)
    assert back.redirect_chain[-1][0] == "/accounts/2fa/resubmit/"
    page = back.content.decode()
    assert "重新提交" in page and 'action="/admin/disclosures/disclosurerecord/add/"' in page
    fields = _hidden_fields(page)
    assert ("title", "关于做好冬季供暖工作的通知") in fields
    assert ("body", "<p>写了很久的正文：“取暖”&amp;<b>保障</b></p>") in fields

    assert staff_client.post("/admin/disclosures/disclosurerecord/add/", dict(fields)).status_code == 302
    assert DisclosureRecord.objects.get().title == "关于做好冬季供暖工作的通知"
    assert staff_client.get("/admin/disclosures/disclosurerecord/add/").status_code == 200  # no longer kept


def test_the_files_of_a_form_sent_past_the_timeout_are_kept_and_sent_again(staff_client, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disclosures.models import DisclosureRecord
    from tests.disclosures.test_admin import form_data
    from tests.pdfs import PDF as pdf

    user = get_user_model().objects.get(username="wang-staff")
    staff_client.get("/admin/")
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    typed = form_data(
        title="关于冬季供暖的通知",
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-title": "供暖安排",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("供暖安排.pdf", pdf, content_type="application/pdf"),
        },
    )
    staff_client.post("/admin/disclosures/disclosurerecord/add/", typed, follow=True)

    sign_in_staff(staff_client, user)
    page = staff_client.get("/accounts/2fa/resubmit/").content.decode()
    assert "所选文件已一并保留：供暖安排.pdf" in page and "重新选择" not in page
    fields = _hidden_fields(page)
    assert staff_client.post("/admin/disclosures/disclosurerecord/add/", dict(fields)).status_code == 302
    attachment = DisclosureRecord.objects.get().attachments.get()
    assert attachment.title == "供暖安排" and attachment.file.read() == pdf


def test_a_kept_form_is_only_its_senders_and_may_be_let_go(staff_client, clock):
    staff_client.get("/admin/")
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    staff_client.post("/admin/disclosures/disclosurerecord/add/", {"title": "某通知"})
    other = get_user_model().objects.create_superuser("li-staff", "", "Guandu-2026-docs")
    sign_in_staff(staff_client, other)  # someone else signs in at that browser
    assert staff_client.get("/accounts/2fa/resubmit/").status_code == 302
    assert staff_client.get("/admin/disclosures/disclosurerecord/add/").status_code == 200

    staff_client.get("/admin/")  # the other's own session, then idle
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    staff_client.post("/admin/disclosures/disclosurerecord/add/", {"title": "某通知"})
    sign_in_staff(staff_client, other)
    assert "某通知" in staff_client.get("/accounts/2fa/resubmit/").content.decode()
    let_go = staff_client.post("/accounts/2fa/resubmit/", {"next": "/admin/disclosures/disclosurerecord/add/"})
    assert let_go["Location"] == "/admin/disclosures/disclosurerecord/add/"
    assert staff_client.get("/admin/disclosures/disclosurerecord/add/").status_code == 200
