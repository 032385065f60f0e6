"""Redis down, hanging or restarted (issue 21): every public page still answers from the
database, signed-in sessions survive, no 浏览次数 is lost, nothing stored before a change made
during the outage comes back, and the outage is logged once per interval, not per request.

Against a real redis-server of the test's own, on a port of its own: killed (SIGKILL),
hung (SIGSTOP — connections open but nothing answers, data kept, as in a network
partition) and resumed or restarted."""

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from core.counters import CounterBuffer, RedisCounts
from core.outages import forget_outages
from core.pagecache import HIT_HEADER, reset_local
from disclosures import services
from disclosures.models import DisclosureRecord
from tests.conftest import SEED_INDEX_NUMBER
from tests.staff import sign_in_staff

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs Debian's redis-server"),
]
SEED_URL = f"/disclosures/{SEED_INDEX_NUMBER}/"
PUBLIC_PAGES = ["/", "/disclosures/", SEED_URL, "/search/?q=社区", "/proposals/", "/communities/"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """Configured as docs/deployment.md asks: with an append-only file, so that views buffered in
    it survive a restart (fsync'd on every write here, so that SIGKILL loses nothing)."""

    def __init__(self, port, directory):
        self.port, self.directory, self.process = port, directory, None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.directory),
            ]
            + ["--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL,
            # A server of its own, on the real clock: not under the libfaketime of a pinned-clock run.
            env={k: v for k, v in os.environ.items() if k not in {"LD_PRELOAD", "FAKETIME"}},
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        self.process.kill()
        self.process.wait()

    def hang(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)


def redis_settings(url, **extra):
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "core.redis_cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "outage-test",
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        },
        REDIS_URL=url,
        COUNTER_KEY_PREFIX="outage-test",
        REDIS_TIMEOUT_SECONDS=0.2,
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        OUTAGE_RETRY_SECONDS=60,  # within a test, the outage lasts until the test says so
        OUTAGE_LOG_SECONDS=60,
        **extra,
    )


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(free_port(), tmp_path)
    server.start()
    forget_outages()
    with redis_settings(server.url):
        reset_local()
        try:
            yield server
        finally:
            if server.process.poll() is None:
                server.resume()
                server.kill()
            reset_local()
            forget_outages()


def back():
    """Redis answers again, and the next call may try it at once."""
    return override_settings(OUTAGE_RETRY_SECONDS=0)


def hit(response):
    return response.get(HIT_HEADER) == "hit"


def stored_views(record):
    return DisclosureRecord.objects.values_list("view_count", flat=True).get(pk=record.pk)


def test_every_public_page_answers_with_redis_unreachable_from_the_start(reader_client, seed, caplog):
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    forget_outages()
    with redis_settings(nothing_there), caplog.at_level(logging.WARNING, logger="govportal.outages"):
        reset_local()
        for _ in range(3):
            for url in PUBLIC_PAGES:
                response = reader_client.get(url)
                assert response.status_code == 200, url
                assert not hit(response)
        cache_lines = [r for r in caplog.records if r.getMessage().startswith("Redis cache")]
        counter_lines = [r for r in caplog.records if r.getMessage().startswith("Redis counters")]
        # 18 requests, each using the cache several times: one line per service
        assert len(cache_lines) == 1 and len(counter_lines) == 1, [r.getMessage() for r in caplog.records]
        assert "unavailable" in cache_lines[0].getMessage()
    forget_outages()


def viewer(client, shown):
    def view():
        page = client.get(SEED_URL).content.decode()
        shown.append(int(re.search(r"浏览次数:(\d+)", page).group(1)))

    return view


def test_views_during_an_outage_go_to_the_database_and_none_is_lost(reader_client, seed, redis_server):
    before, shown = stored_views(seed), []
    view = viewer(reader_client, shown)
    for _ in range(3):
        view()  # buffered in Redis
    redis_server.kill()
    for _ in range(2):
        view()  # Redis down: straight to the database
    assert stored_views(seed) == before + 2
    redis_server.start()  # back, with the three views it held
    with back():
        view()
    services.record_view_counts_flush()
    assert stored_views(seed) == before + 6
    assert shown[:3] == [before + 1, before + 2, before + 3]
    # during the outage the three views still in Redis are not shown, but each reader's own is
    assert shown[3:5] == [before + 1, before + 2]
    assert shown[5] == before + 6


def test_a_view_whose_redis_call_timed_out_is_counted_at_least_once(reader_client, seed, redis_server):
    """A hung Redis may still carry out the call that timed out when it wakes: the view then
    counts in the database and in Redis (docs/deployment.md) — twice at worst, never lost."""
    before, shown = stored_views(seed), []
    view = viewer(reader_client, shown)
    view()
    redis_server.hang()
    view()  # times out: counted in the database
    view()  # not tried: counted in the database
    assert stored_views(seed) == before + 2
    redis_server.resume()
    with back():
        view()
    services.record_view_counts_flush()
    assert before + 4 <= stored_views(seed) <= before + 5


def test_a_page_stored_before_an_edit_made_during_the_outage_never_comes_back(reader_client, seed, redis_server):
    for url in (SEED_URL, "/disclosures/"):
        reader_client.get(url)
        assert hit(reader_client.get(url))

    redis_server.hang()  # Redis keeps its data but does not answer: the new generation is lost
    seed.title = "停电期间修改的标题"
    seed.save()
    during = reader_client.get(SEED_URL)
    assert during.status_code == 200 and not hit(during)
    assert "停电期间修改的标题" in during.content.decode()

    redis_server.resume()
    with back():
        for url in (SEED_URL, "/disclosures/"):
            response = reader_client.get(url)
            assert response.status_code == 200 and not hit(response)
            assert "停电期间修改的标题" in response.content.decode(), url
        again = reader_client.get(SEED_URL)
        assert hit(again) and "停电期间修改的标题" in again.content.decode()  # cached again


def test_pages_answer_while_redis_is_killed_and_again_after_a_restart(reader_client, seed, redis_server):
    for url in PUBLIC_PAGES:
        reader_client.get(url)
    redis_server.kill()
    for url in PUBLIC_PAGES:
        assert reader_client.get(url).status_code == 200, url
    redis_server.start()  # empty, as Redis without persistence comes back
    with back():
        for url in PUBLIC_PAGES:
            assert reader_client.get(url).status_code == 200, url
        assert hit(reader_client.get("/disclosures/"))


def test_signed_in_sessions_survive_and_a_sign_out_during_the_outage_holds(client, admin_user, redis_server):
    sign_in_staff(client, admin_user)
    assert client.get("/admin/").status_code == 200
    assert cache.get(f"django.contrib.sessions.cached_db{client.cookies['sessionid'].value}")  # read through Redis
    cookie = client.cookies["sessionid"].value

    redis_server.hang()
    assert client.get("/admin/").status_code == 200  # the session comes from the database
    client.post("/admin/logout/")
    redis_server.resume()
    with back():
        client.cookies["sessionid"] = cookie  # the old cookie, whose session Redis still holds
        response = client.get("/admin/")
        assert response.status_code == 302 and "/login/" in response["Location"]


@override_settings(KEPT_LOOKUPS=True)
def test_a_permission_taken_away_during_the_outage_is_not_given_back(
    client, redis_server, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group, Permission, User

    with django_capture_on_commit_callbacks(execute=True):
        group = Group.objects.create(name="停电测试组")
        group.permissions.add(Permission.objects.get(codename="view_disclosurerecord"))
        staff = User.objects.create_user("outage-staff", is_staff=True)
        staff.groups.add(group)
    sign_in_staff(client, staff)
    url = "/admin/disclosures/disclosurerecord/"
    assert client.get(url).status_code == 200
    assert cache.get(f"security:permissions:{staff.pk}:0")  # kept in Redis

    redis_server.hang()  # the new stamp written on commit is lost
    with django_capture_on_commit_callbacks(execute=True):
        staff.groups.remove(group)
    assert client.get(url).status_code == 403
    redis_server.resume()
    with back():
        assert client.get(url).status_code == 403
        assert client.get(url).status_code == 403


def _refuse_writes_when_full(client, directory):
    """Out of memory under the default maxmemory-policy (noeviction): writes are refused (OOM)."""
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", 1)


def _refuse_writes_when_it_cannot_save(client, directory):
    """A snapshot that could not be written (its disk full or gone): writes are refused (MISCONF)."""
    client.config_set("save", "3600 1")
    shutil.rmtree(directory)  # the server's working directory: the snapshot cannot be created
    client.bgsave()
    deadline = time.monotonic() + 10
    while (
        client.info("persistence")["rdb_bgsave_in_progress"]
        or client.info("persistence")["rdb_last_bgsave_status"] != "err"
    ):
        assert time.monotonic() < deadline, "the snapshot did not fail"
        time.sleep(0.05)


def _refuse_writes_as_a_replica(client, directory):
    """A replica after a failover (of a primary that is not there): writes are refused (READONLY)."""
    client.replicaof("127.0.0.1", free_port())


@pytest.mark.parametrize(
    "refuse", [_refuse_writes_when_full, _refuse_writes_when_it_cannot_save, _refuse_writes_as_a_replica]
)
def test_pages_answer_while_redis_answers_but_refuses_writes(reader_client, seed, redis_server, refuse, caplog):
    """Redis up but refusing to store (full, its disk full, a replica): served as in an outage,
    not a server error on every page that is not in the cache yet."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    refuse(client, redis_server.directory)
    with pytest.raises(redis.exceptions.ResponseError):
        client.set("outage-test:probe", "1")
    pages = PUBLIC_PAGES + ["/disclosures/apply/", "/search/?q=治理"]
    with caplog.at_level(logging.WARNING, logger="govportal.outages"):
        for url in pages:
            assert reader_client.get(url).status_code == 200, url
    assert any("unavailable" in r.getMessage() for r in caplog.records)
    # Writable again (made a primary, memory freed, the disk back): cached again, no restart.
    client.replicaof("NO", "ONE")
    client.config_set("maxmemory", 0)
    client.config_set("save", "")
    with back():
        for url in pages:
            assert reader_client.get(url).status_code == 200, url
        assert hit(reader_client.get("/disclosures/"))


@pytest.mark.parametrize(
    "refuse", [_refuse_writes_when_full, _refuse_writes_when_it_cannot_save, _refuse_writes_as_a_replica]
)
def test_a_redis_that_still_refuses_writes_is_not_taken_back(reader_client, seed, redis_server, refuse, caplog):
    """It answers PING and reads all along: taken back on that, the next write failed again, so
    every retry interval each process logged it back and down again and dropped its copies of
    kept pages (core.pagecache), and with writes lost meanwhile deleted every key of the cache."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    for url in PUBLIC_PAGES:
        reader_client.get(url)  # kept in Redis
    refuse(client, redis_server.directory)
    with caplog.at_level(logging.WARNING, logger="govportal.outages"):
        for url in PUBLIC_PAGES:
            assert reader_client.get(url).status_code == 200, url
        with back():  # retried at every call, Redis still refusing
            for url in PUBLIC_PAGES + ["/disclosures/apply/"]:
                assert reader_client.get(url).status_code == 200, url
    lines = [r.getMessage() for r in caplog.records]
    assert not [line for line in lines if "available again" in line], lines
    assert len([line for line in lines if line.startswith("Redis cache") and "unavailable" in line]) == 1, lines


def test_flushing_view_counts_says_why_redis_refused(seed, redis_server):
    """The command's one line names what Redis answered: "ResponseError" alone did not tell a
    full disk (MISCONF) from anything else."""
    import redis
    from django.core.management import CommandError, call_command

    _refuse_writes_when_it_cannot_save(redis.Redis.from_url(redis_server.url), redis_server.directory)
    with pytest.raises(CommandError, match="Redis 不可用（ResponseError: MISCONF "):
        call_command("flush_view_counts")


def test_view_counts_do_not_take_back_a_redis_that_only_reads(reader_client, seed, redis_server, caplog):
    """A crawler's view only reads the count (a script that reads runs on a read-only replica):
    taken back on that, the store was logged back and down again at every retry, and each time
    the process dropped its copies of kept pages."""
    import redis

    reader_client.get(SEED_URL)
    _refuse_writes_as_a_replica(redis.Redis.from_url(redis_server.url), redis_server.directory)
    before = stored_views(seed)
    with caplog.at_level(logging.WARNING, logger="govportal.outages"):
        reader_client.get(SEED_URL)  # a reader's view: refused by Redis, to the database
        with back():
            for _ in range(3):
                assert reader_client.get(SEED_URL, HTTP_USER_AGENT="").status_code == 200  # a crawler
            reader_client.get(SEED_URL)  # a reader's again: still to the database
    lines = [r.getMessage() for r in caplog.records]
    assert not [line for line in lines if "available again" in line], lines
    assert len([line for line in lines if line.startswith("Redis counters")]) == 1, lines
    assert stored_views(seed) == before + 2


def test_views_held_while_redis_and_the_database_are_both_down_reach_redis_when_it_is_back(redis_server):
    """With Redis down a view goes to the database; if that fails too, the worker holds it and
    hands it to Redis once Redis is back, by itself, without waiting for another view."""
    written, database_down = {}, [True]

    def apply(batch):
        if database_down[0]:
            raise ConnectionError("database down")
        for key, count in batch.items():
            written[key] = written.get(key, 0) + count

    buffer = CounterBuffer(f"double-outage-{os.getpid()}", apply)
    elsewhere = RedisCounts(redis_server.url, buffer.store.pending_key.removesuffix(":pending"))
    with override_settings(COUNTER_BATCH_SECONDS=0.1, VIEW_COUNT_FLUSH_SECONDS=0):
        redis_server.kill()
        assert [buffer.incr(9) for _ in range(3)] == [1, 2, 3]  # held here, each shown
        assert written == {}
        redis_server.start()
        database_down[0] = False
        with back():
            deadline = time.monotonic() + 5
            while elsewhere.pending(9)[0] != 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert elsewhere.pending(9)[0] == 3  # handed over with no further view
            assert buffer.flush() == 3
    assert written == {9: 3}
