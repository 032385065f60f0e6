"""The anonymous page cache (core/pagecache/): hits, invalidation on publish, edit and
withdraw, reader preferences, what must never be cached, ETag/Last-Modified and 304s."""

import datetime as dt
import time
import uuid

import pytest
import redis
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from django.utils.http import http_date

from core import pagecache
from disclosures import services
from disclosures.models import DisclosureRecord
from tests.conftest import SEED_INDEX_NUMBER
from tests.disclosures.factories import PublishedRecordFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]  # the seed, loaded once
SEED_URL = f"/disclosures/{SEED_INDEX_NUMBER}/"
HIT = pagecache.HIT_HEADER


def get(client, url, **extra):
    response = client.get(url, **extra)
    return response, response.content.decode()


def is_hit(response):
    return response.get(HIT) == "hit"


@pytest.mark.parametrize("url", ["/", "/disclosures/", SEED_URL, "/disclosures/guide/", "/sitemap/"])
def test_second_anonymous_request_is_served_from_the_cache(reader_client, seed, url):
    first = reader_client.get(url)
    second = reader_client.get(url)
    assert first.status_code == 200 and not is_hit(first)
    assert is_hit(second)
    assert second.content == first.content or url == SEED_URL  # the seed page shows its view count
    control = second["Cache-Control"]
    assert "public" in control and "s-maxage=" in control and "private" not in control
    assert "Cookie" in second["Vary"]  # CDNs must key on the reader cookie


def test_publish_edit_and_withdraw_invalidate_cached_pages(reader_client, seed, admin_user):
    draft = RecordFactory(title="即将发布的通知")
    _, home = get(reader_client, "/")
    _, catalogue = get(reader_client, "/disclosures/")
    assert draft.title not in home and draft.title not in catalogue
    assert is_hit(reader_client.get("/"))

    services.record_publish(record=draft, user=admin_user)
    response, home = get(reader_client, "/")
    assert not is_hit(response) and draft.title in home
    draft.refresh_from_db()
    url = draft.get_absolute_url()
    assert draft.title in get(reader_client, url)[1]
    assert is_hit(reader_client.get(url))

    draft.title = "已修改标题的通知"
    draft.save()
    response, page = get(reader_client, url)
    assert not is_hit(response) and "已修改标题的通知" in page
    assert "已修改标题的通知" in get(reader_client, "/disclosures/")[1]

    services.record_withdraw(record=draft, user=admin_user, reason="测试")
    assert reader_client.get(url).status_code == 404
    assert "已修改标题的通知" not in get(reader_client, "/")[1]
    assert "已修改标题的通知" not in get(reader_client, "/disclosures/")[1]


def test_a_release_starts_a_new_generation(reader_client, seed):
    """Kept pages and fragments were rendered by the previous release's templates: the
    migrate that every deployment runs makes them stale."""
    from django.core.management import call_command

    reader_client.get("/")
    assert is_hit(reader_client.get("/"))
    generation = pagecache.current_state()["gen"]
    call_command("migrate", verbosity=0)
    assert pagecache.current_state()["gen"] != generation
    assert not is_hit(reader_client.get("/"))


def test_scheduled_record_appears_when_its_time_comes_without_any_save(reader_client, seed):
    due = timezone.now() + dt.timedelta(seconds=5)
    PublishedRecordFactory(title="定时发布的通知", published_at=due)
    assert "定时发布的通知" not in get(reader_client, "/")[1]
    assert is_hit(reader_client.get("/"))
    # The cached home page may not outlive the scheduled time.
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 1.2)
    response, home = get(reader_client, "/")
    assert not is_hit(response) and "定时发布的通知" in home


@pytest.mark.parametrize("cookie", ["", "analytics=1"], ids=["page cache", "kept response"])
def test_a_page_rendered_across_a_scheduled_time_is_not_kept_past_it(reader_client, seed, monkeypatch, cookie):
    """A render that read its list just before a scheduled record's time and stored the page
    just after it: kept for the time that was next then (none: PAGE_CACHE_SECONDS), it went on
    showing the list without the record until the next write."""
    from disclosures import selectors

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        due = start + dt.timedelta(minutes=5)
        PublishedRecordFactory(title="定时发布的通知", published_at=due)
        if cookie:
            reader_client.cookies["analytics"] = "1"  # past the page cache: the kept response
        latest = selectors.record_latest

        def read_then_cross_the_time(**kwargs):
            records = latest(**kwargs)
            clock.move_to(due + dt.timedelta(seconds=1))  # the rest of the render ends past it
            return records

        monkeypatch.setattr(selectors, "record_latest", read_then_cross_the_time)
        assert "定时发布的通知" not in get(reader_client, "/")[1]
        monkeypatch.setattr(selectors, "record_latest", latest)
        pagecache.reset_local()  # this process's copies last a second of real time
        assert "定时发布的通知" in get(reader_client, "/")[1]


def test_nothing_kept_just_before_a_scheduled_time_outlives_it(reader_client, seed):
    """What was kept a moment before a scheduled record's time (here in this process, for its
    second, and in the shared cache for a whole second at least) was served just after it, and
    a page cached then kept that for PAGE_CACHE_SECONDS."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        due = start + dt.timedelta(minutes=5)
        PublishedRecordFactory(title="定时发布的通知", published_at=due)
        clock.move_to(due - dt.timedelta(seconds=3))
        reader_client.cookies["analytics"] = "1"  # past the page cache: the kept response
        assert "定时发布的通知" not in get(reader_client, "/")[1]
        clock.move_to(due - dt.timedelta(seconds=0.5))
        pagecache.reset_local()  # another process: it takes the shared copy, and keeps it
        assert "定时发布的通知" not in get(reader_client, "/")[1]
        clock.move_to(due + dt.timedelta(seconds=0.2))  # within that process's second
        del reader_client.cookies["analytics"]
        assert "定时发布的通知" in get(reader_client, "/")[1]
        response, home = get(reader_client, "/")
        assert is_hit(response) and "定时发布的通知" in home


def test_reader_preferences_vary_the_cache(reader_client, seed):
    plain = reader_client.get(SEED_URL)
    reader_client.cookies["reader"] = "elder=1&contrast=yb"
    elder = reader_client.get(SEED_URL)
    assert not is_hit(elder)  # a different variant, not the plain page
    assert 'class="elder' in elder.content.decode() and 'class="elder' not in plain.content.decode()
    assert "contrast-yb" in elder.content.decode()
    again = reader_client.get(SEED_URL)
    assert is_hit(again) and "contrast-yb" in again.content.decode()
    # The same preferences written differently share one entry.
    reader_client.cookies["reader"] = "contrast=yb&elder=1&junk=9"
    assert is_hit(reader_client.get(SEED_URL))
    del reader_client.cookies["reader"]
    back = reader_client.get(SEED_URL)
    assert is_hit(back) and "contrast-yb" not in back.content.decode()


def test_signed_in_users_are_never_served_or_stored(admin_client, reader_client, seed):
    reader_client.get(SEED_URL)  # an anonymous copy exists
    for _ in range(2):
        response = admin_client.get(SEED_URL)
        assert not is_hit(response)
        assert "private" in response["Cache-Control"]
    assert is_hit(reader_client.get(SEED_URL))


def test_unknown_cookies_bypass_the_cache_but_csrf_and_reader_do_not(reader_client, seed):
    reader_client.get("/")
    reader_client.cookies["csrftoken"] = "x" * 32
    assert is_hit(reader_client.get("/"))
    reader_client.cookies["messages"] = "anything"
    response = reader_client.get("/")
    assert not is_hit(response) and "private" in response["Cache-Control"]


def run_middleware(view, path="/x/", **extra):
    request = RequestFactory().get(path, **extra)
    middleware = pagecache.PageCacheMiddleware(lambda req: view(req))
    return middleware(request), middleware


@pytest.mark.parametrize(
    "name, view",
    [
        ("csrf token", lambda request: HttpResponse(f"<form>{get_token(request)}</form>")),
        ("cookie", lambda request: _with_cookie(HttpResponse("<p>x</p>"))),
        (
            "csp nonce",
            lambda request: _with_header(HttpResponse("<p>x</p>"), "Content-Security-Policy", "script-src 'nonce-abc'"),
        ),
        ("never_cache", lambda request: _with_header(HttpResponse("<p>x</p>"), "Cache-Control", "private, no-store")),
        ("streaming", lambda request: StreamingHttpResponse(iter([b"a,b\n"]), content_type="text/csv")),
        ("error", lambda request: HttpResponse("<p>x</p>", status=500)),
    ],
)
def test_responses_that_must_not_be_stored(name, view):
    calls = []

    def counting(request):
        calls.append(1)
        response = view(request)
        if name == "csrf token":  # what CsrfViewMiddleware does when the token was used
            response.set_cookie("csrftoken", request.META["CSRF_COOKIE"])
        return response

    path = f"/never-{uuid.uuid4().hex}/"
    first, _ = run_middleware(counting, path)
    second, _ = run_middleware(counting, path)
    assert len(calls) == 2 and not is_hit(second)
    if name in ("csrf token", "cookie", "error"):
        assert "private" in first["Cache-Control"]


def _with_cookie(response):
    response.set_cookie("flavour", "x")
    return response


def _with_header(response, name, value):
    response[name] = value
    return response


def test_record_page_shows_each_readers_own_view_so_only_crawlers_get_a_304(reader_client, seed):
    first = reader_client.get(SEED_URL)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified and "浏览次数:64" in first.content.decode()
    for count, headers in enumerate(({"HTTP_IF_NONE_MATCH": etag}, {"HTTP_IF_MODIFIED_SINCE": modified}), start=65):
        again = reader_client.get(SEED_URL, **headers)  # from the page cache, filled in for this view
        assert again.status_code == 200 and again[HIT] == "hit" and again["ETag"] == etag
        assert f"浏览次数:{count}" in again.content.decode()
        assert int(again["Content-Length"]) == len(again.content)
    pagecache.invalidate()  # an edit elsewhere: the view answers, with a 304 for a crawler if unchanged…
    crawler = Client(HTTP_USER_AGENT="Baiduspider", HTTP_COOKIE="bench=1")  # bypasses the page cache
    assert crawler.get(SEED_URL, HTTP_IF_MODIFIED_SINCE=http_date(time.time() + 60)).status_code == 304
    assert reader_client.get(SEED_URL, HTTP_IF_MODIFIED_SINCE=http_date(time.time() + 60)).status_code == 200
    # …but a changed record gets a new validator and a full page.
    seed.title = "标题已更正"
    seed.save()
    changed = crawler.get(SEED_URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and "标题已更正" in changed.content.decode()


def test_views_served_from_the_cache_are_still_counted(reader_client, seed):
    reader_client.get(SEED_URL)  # rendered: counted by the view
    etag = reader_client.get(SEED_URL)["ETag"]  # cache hit: counted by the hook
    reader_client.get(SEED_URL, HTTP_IF_NONE_MATCH=etag)  # revalidated from the cache: counted
    reader_client.get(SEED_URL, HTTP_USER_AGENT="Baiduspider")  # crawler: not counted
    assert services.record_view_counts_flush() == 3
    assert DisclosureRecord.objects.get(pk=seed.pk).view_count == 63 + 3


def test_wsgi_wrapper_answers_hits_before_django_builds_a_request(seed):
    from django.core.handlers.wsgi import WSGIHandler

    app = pagecache.PageCacheApp(WSGIHandler())
    started = []

    def on_start(**kwargs):
        started.append(1)

    def call(**extra):
        environ = RequestFactory()._base_environ(PATH_INFO="/", HTTP_USER_AGENT="Mozilla/5.0", **extra)
        result = {}

        def start_response(status, headers, exc_info=None):
            result["status"], result["headers"] = status, dict(headers)

        body = b"".join(app(environ, start_response))
        return result["status"], result["headers"], body

    # As django.test.Client does: the test's transaction must survive the request signals.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(on_start)
    try:
        status, headers, body = call()
        assert status == "200 OK" and len(started) == 1 and HIT not in headers
        status, hit_headers, hit_body = call()
        assert status == "200 OK" and hit_headers[HIT] == "hit" and hit_body == body
        assert len(started) == 1  # Django never saw the second request
        status, _, empty = call(HTTP_IF_NONE_MATCH=hit_headers["ETag"])
        assert status == "304 Not Modified" and empty == b""
        status, _, head = call(REQUEST_METHOD="HEAD")
        assert status == "200 OK" and head == b""
    finally:
        request_started.disconnect(on_start)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_stamp_file_generation_invalidates_every_process(reader_client, seed, tmp_path):
    stamp = tmp_path / "stamp"
    with override_settings(PAGE_CACHE_STAMP_FILE=str(stamp)):
        reader_client.get("/")
        assert is_hit(reader_client.get("/"))
        # Another worker (or a management command) publishing touches the stamp file.
        stamp.write_text("another process")
        assert not is_hit(reader_client.get("/"))
        assert is_hit(reader_client.get("/"))
        PublishedRecordFactory(title="另一进程发布的通知")
        response = reader_client.get("/")
        assert not is_hit(response) and "另一进程发布的通知" in response.content.decode()


def test_cache_shared_in_redis(reader_client, seed):
    prefix = f"test-{uuid.uuid4().hex}"
    redis_cache = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=redis_cache, PAGE_CACHE_STAMP_FILE=None):
        from django.core.cache import cache

        # One client per pool, not one per call (portal/redis_cache.py).
        assert cache._cache.get_client() is cache._cache.get_client(write=True)
        try:
            reader_client.get(SEED_URL)
            assert is_hit(reader_client.get(SEED_URL))
            seed.title = "在 Redis 中失效"
            seed.save()
            response = reader_client.get(SEED_URL)
            assert not is_hit(response) and "在 Redis 中失效" in response.content.decode()
        finally:
            # Only this test's keys: FLUSHDB (cache.clear) would empty everyone's Redis.
            client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
            keys = list(client.scan_iter(match=f"{prefix}:*"))
            assert keys  # pages and the state really went to Redis
            client.delete(*keys)


def test_hot_pages_are_served_from_process_memory_without_a_round_trip(reader_client, seed, monkeypatch):
    from django.core.cache import cache

    reader_client.get("/")
    calls = []
    for name in ("get", "get_many"):
        original = getattr(cache, name)
        monkeypatch.setattr(cache, name, lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    assert is_hit(reader_client.get("/"))
    assert calls == []  # the generation and the page both came from this process's copies


def test_a_change_made_elsewhere_is_seen_within_the_local_window(reader_client, seed):
    from django.core.cache import cache

    with override_settings(PAGE_CACHE_LOCAL_SECONDS=0.5):
        reader_client.get("/")
        # Another node publishes: the shared generation changes, this process is not told.
        cache.set(pagecache.STATE_KEY, {"gen": "another-node", "at": time.time()}, None)
        assert is_hit(reader_client.get("/"))  # within the window: this process's copy
        time.sleep(0.6)
        assert not is_hit(reader_client.get("/"))  # after it: the new generation
        assert is_hit(reader_client.get("/"))


def test_only_parameters_pages_read_key_the_cache(reader_client, seed):
    """Random parameters (?utm_junk=…) are served but never stored: each would be a new copy
    that evicts the pages readers ask for."""
    reader_client.get("/disclosures/?year=2023")
    assert is_hit(reader_client.get("/disclosures/?year=2023"))
    for _ in range(3):
        response = reader_client.get(f"/disclosures/?utm_junk={uuid.uuid4().hex}")
        assert response.status_code == 200 and not is_hit(response)
    reader_client.get("/disclosures/?utm_junk=x")
    assert not is_hit(reader_client.get("/disclosures/?utm_junk=x"))
    assert not is_hit(reader_client.get("/disclosures/?year=2023&utm_junk=x"))
