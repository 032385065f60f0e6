"""Pages the page cache cannot serve (a reader with another cookie, a cache miss) still reuse
what does not change between requests: the record, its body and panels, the site settings
and the header and footer. All of it is kept for one generation, so a publish, edit or
withdraw shows at once."""

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosures import services
from disclosures.models import DisclosureRecord
from portal.models import SiteSettings
from tests.conftest import SEED_INDEX_NUMBER
from tests.disclosures.factories import PublishedRecordFactory, RecordFactory

pytestmark = pytest.mark.django_db
SEED_URL = f"/disclosures/{SEED_INDEX_NUMBER}/"


@pytest.fixture
def uncached(settings):
    settings.PAGE_CACHE_ENABLED = False  # every request renders: what the page cache would hide


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_a_record_page_rendered_again_needs_no_query(reader_client, seed, uncached):
    first, cold = queries_for(reader_client, SEED_URL)
    second, warm = queries_for(reader_client, SEED_URL)
    assert first.status_code == second.status_code == 200
    assert cold >= 4 and warm == 0, (cold, warm)
    # Nor any template: the page is kept whole, with the count filled in (core/rendering.py).
    assert first.templates and not second.templates
    # Still rendered per request: the 浏览次数 goes up with each view.
    counts = [int(re.search(r"浏览次数:(\d+)", r.content.decode()).group(1)) for r in (first, second)]
    assert counts[1] == counts[0] + 1


def test_edit_and_withdraw_show_at_once(reader_client, admin_user, uncached):
    record = PublishedRecordFactory(title="原来的标题")
    url = record.get_absolute_url()
    assert "原来的标题" in reader_client.get(url).content.decode()
    record.title = "改过的标题"
    record.body = "<p>改过的正文</p>"
    record.save()
    page = reader_client.get(url).content.decode()
    assert "改过的标题" in page and "改过的正文" in page and "原来的标题" not in page
    services.record_withdraw(record=record, user=admin_user, reason="测试")
    assert reader_client.get(url).status_code == 404


def test_not_found_is_never_kept(reader_client, admin_user, uncached):
    draft = RecordFactory(title="草稿")
    url = f"/disclosures/{draft.index_number}/"
    assert reader_client.get(url).status_code == 404
    services.record_publish(record=draft, user=admin_user)
    draft.refresh_from_db()
    assert reader_client.get(draft.get_absolute_url()).status_code == 200


def test_requests_leave_the_kept_record_as_stored(reader_client, seed, uncached, settings):
    # The kept record is shared by later requests: the view shows the buffered views and the
    # cited body beside it, never by changing it.
    from disclosures.selectors import record_get_public

    settings.PAGE_CACHE_LOCAL_SECONDS = 600  # kept across the requests however slow the machine

    stored = DisclosureRecord.objects.get(pk=seed.pk)
    kept = record_get_public(index_number=SEED_INDEX_NUMBER)
    reader_client.get(SEED_URL)
    reader_client.get(SEED_URL + "?cite=nothing")
    assert record_get_public(index_number=SEED_INDEX_NUMBER) is kept
    assert (kept.view_count, kept.body) == (stored.view_count, stored.body)


def test_header_fragment_carries_each_pages_own_path_and_current_section(reader_client, seed, uncached):
    home = reader_client.get("/").content.decode()
    catalogue = reader_client.get("/disclosures/?page=2").content.decode()
    guide = reader_client.get("/disclosures/guide/").content.decode()
    assert 'name="next" value="/"' in home
    assert 'name="next" value="/disclosures/?page=2"' in catalogue  # escaped once, not twice
    assert 'name="next" value="/disclosures/guide/"' in guide
    assert re.search(r'href="/disclosures/guide/" aria-current="page"', guide)
    assert 'aria-current="page">政府信息公开指南' not in home
    # A path with markup in it is escaped, never injected.
    page = reader_client.get('/disclosures/?q="><script>').content.decode()
    assert '"><script>' not in page


def test_header_varies_with_reader_preferences(reader_client, seed, uncached):
    plain = reader_client.get("/").content.decode()
    reader_client.cookies["reader"] = "elder=1&toolbar=1"
    elder = reader_client.get("/").content.decode()
    assert 'aria-pressed="false" aria-describedby="elder-switch-help"' in plain
    assert 'aria-pressed="true" aria-describedby="elder-switch-help"' in elder
    assert 'id="a11y-toolbar"' in elder and " hidden" not in elder.split('id="a11y-toolbar"')[1].split(">")[0]


def test_site_settings_edit_shows_in_header_and_footer_at_once(reader_client, seed, uncached):
    reader_client.get("/")
    site = SiteSettings.objects.get()
    site.site_name = "改名后的网站"
    site.sponsor = "改名后的主办单位"
    site.save()
    page = reader_client.get("/").content.decode()
    assert "改名后的网站" in page and "主办单位：改名后的主办单位" in page


def test_communities_overview_is_worked_out_once_per_change(reader_client, seed, uncached):
    import datetime as dt
    from decimal import Decimal

    from communities.models import Metric
    from tests.communities.factories import FactFactory

    queries_for(reader_client, "/communities/")
    response, warm = queries_for(reader_client, "/communities/")
    assert response.status_code == 200 and warm == 0
    FactFactory(
        metric=Metric.objects.get(slug="consultation-activities"),
        value=Decimal(999),
        figure_text="999次",
        statement="截至2025年底,官渡区共开展社区协商各类活动999次。",
        period="截至2025年底",
        period_end=dt.date(2025, 12, 31),
    )
    assert "999次" in reader_client.get("/communities/").content.decode()


def test_record_page_varies_with_reader_preferences(reader_client, seed, uncached):
    plain = reader_client.get(SEED_URL).content.decode()
    reader_client.cookies["reader"] = "elder=1"
    elder = reader_client.get(SEED_URL).content.decode()
    assert "elder" not in plain.split("<head>")[0] and "elder" in elder.split("<head>")[0]
    del reader_client.cookies["reader"]
    assert reader_client.get(SEED_URL).content.decode().split("<head>")[0] == plain.split("<head>")[0]


def test_a_kept_record_page_shows_nothing_of_the_user_who_rendered_it(client, seed, uncached, django_user_model):
    staff_user = django_user_model.objects.create_user("staff-wang-7731", is_staff=True, is_superuser=True)
    client.force_login(staff_user)
    staff = client.get(SEED_URL).content.decode()
    client.logout()
    anonymous = client.get(SEED_URL)
    assert not anonymous.templates  # the page the signed-in user rendered
    assert "staff-wang-7731" not in staff
    assert re.sub(r"浏览次数:\d+", "", anonymous.content.decode()) == re.sub(r"浏览次数:\d+", "", staff)


def test_record_page_varies_with_the_query_and_keeps_the_count_live(reader_client, seed, uncached):
    from communities.models import Fact

    cited = Fact.objects.filter(source_record=seed).first()
    plain = reader_client.get(SEED_URL).content.decode()
    large = reader_client.get(SEED_URL + "?size=large").content.decode()
    marked = reader_client.get(SEED_URL + f"?cite={cited.anchor}").content.decode()
    again = reader_client.get(SEED_URL).content.decode()
    assert 'class="record font-large"' in large and "font-large" not in plain
    assert f'<mark id="{cited.anchor}"' in marked and "<mark" not in plain and "<mark" not in again
    counts = [int(re.search(r"浏览次数:(\d+)", html).group(1)) for html in (plain, large, marked, again)]
    assert counts == list(range(counts[0], counts[0] + 4))  # each view counted and shown
    # Apart from the count, the page is what it was.
    assert re.sub(r"浏览次数:\d+", "", again) == re.sub(r"浏览次数:\d+", "", plain)


def test_values_read_on_a_replica_are_kept_apart_and_not_just_after_a_change(settings):
    import time

    from django.test import override_settings

    from core import db_router, pagecache

    computed = []

    def compute(label):
        computed.append(label)
        return label

    with override_settings(
        DATABASE_REPLICAS=["replica1"],
        DATABASE_ROUTERS=["core.db_router.PrimaryReplicaRouter"],
        PAGE_CACHE_REPLICA_LAG_SECONDS=60,
    ):
        token = db_router._read_alias.set("replica1")
        try:
            # Within the lag after the last change: computed from the replica, never kept.
            assert pagecache.cached_value("probe", lambda: compute("replica")) == "replica"
            assert pagecache.cached_value("probe", lambda: compute("replica")) == "replica"
            assert computed == ["replica", "replica"]
        finally:
            db_router._read_alias.reset(token)
        # The primary never gets what a replica gave (and keeps its own).
        assert pagecache.cached_value("probe", lambda: compute("primary")) == "primary"
        assert pagecache.cached_value("probe", lambda: compute("primary")) == "primary"
        assert computed == ["replica", "replica", "primary"]
    with override_settings(
        DATABASE_REPLICAS=["replica1"],
        DATABASE_ROUTERS=["core.db_router.PrimaryReplicaRouter"],
        PAGE_CACHE_REPLICA_LAG_SECONDS=0.01,
    ):
        time.sleep(0.02)
        token = db_router._read_alias.set("replica1")
        try:  # once the lag has passed, the replica's value is kept too
            assert pagecache.cached_value("probe", lambda: compute("replica later")) == "replica later"
            assert pagecache.cached_value("probe", lambda: compute("replica later")) == "replica later"
        finally:
            db_router._read_alias.reset(token)
        assert computed == ["replica", "replica", "primary", "replica later"]


def test_the_count_never_drops_when_buffered_views_are_flushed(reader_client, seed, uncached):
    from disclosures.services import record_view_counts_flush

    def shown():
        return int(re.search(r"浏览次数:(\d+)", reader_client.get(SEED_URL).content.decode()).group(1))

    before = [shown() for _ in range(3)]
    assert before == list(range(before[0], before[0] + 3))
    assert record_view_counts_flush() == 3  # written to the database; the kept record is older
    with CaptureQueriesContext(connection) as queries:
        assert shown() == before[-1] + 1
    assert len(queries) == 1  # the stored count, read again once after the flush
    assert shown() == before[-1] + 2


@pytest.mark.django_db(transaction=True)
def test_a_value_asked_for_by_many_at_once_is_computed_once(settings):
    """After a publish every reader of a common search asks for the same counts at once: one
    request computes them, the others wait for what it stores (not every worker together)."""
    import threading

    from core import pagecache

    settings.PAGE_CACHE_LOCAL_SECONDS = 0  # each thread asks the shared cache
    calls, started = [], threading.Event()

    def slow_counts():
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return {"total": 2001}

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(pagecache.cached_value("counts", slow_counts, once=True)))
        for _ in range(4)
    ]
    threads[0].start()
    started.wait(5)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1 and results == [{"total": 2001}] * 4


@pytest.mark.django_db(transaction=True)
def test_when_the_computing_request_fails_the_others_compute_it_themselves(settings):
    import threading

    from core import pagecache

    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    started, go_on = threading.Event(), threading.Event()

    def failing():
        started.set()
        go_on.wait(5)
        raise RuntimeError("statement timeout")

    errors = []

    def first():
        try:
            pagecache.cached_value("counts", failing, once=True)
        except RuntimeError as error:
            errors.append(error)

    def let_it_fail():
        time.sleep(0.1)  # not threading.Timer: a timed wait never ends under CI's pinned clock
        go_on.set()

    thread = threading.Thread(target=first)
    thread.start()
    started.wait(5)
    threading.Thread(target=let_it_fail).start()
    began = time.monotonic()
    assert pagecache.cached_value("counts", lambda: "computed here", once=True) == "computed here"
    thread.join(5)
    assert errors and time.monotonic() - began < 2  # waited for the failure, not for the lock to expire
