"""`make faults`: the faults docs/deployment.md says the site survives, each under load.

Every fault runs on servers of its own, so nothing else on the machine is disturbed: a
scratch PostgreSQL cluster (initdb, a free port; the portal's data in a template database
copied per fault), a streaming standby of it (pg_basebackup -R), a redis-server of its own
(`--save '' --appendonly no`), and gunicorn nodes with the production settings. The load is
wrk over a mix of pages; beside it, *witness* readers (threads sending one request after
another, stopped between requests) view the seed record, so every view they were served is
known exactly; an *editor* publishes and withdraws records through the admin over HTTP as a
signed-in staff member. For each fault it prints requests, errors and lost counts (views
served to the witnesses minus views added to the database by `flush_view_counts`), saves
bench/results/faults-<date>.json and rewrites the figures in docs/deployment.md.

    FAULTS=postgres-restart,redis-restart  run some (default: all, in the order below)
    FAULTS_DIR                             scratch servers' directory (/var/tmp/govportal-faults)
"""

import datetime as dt
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from bench import nodes
from bench.run import DATA, PY, RESULTS, ROOT, Server, free_port, log, prod_env, soak_wrk
from bench.standby import Postgres, Standby

WORK = Path(os.environ.get("FAULTS_DIR", "/var/tmp/govportal-faults"))
DOC = ROOT / "docs" / "deployment.md"
DOC_START, DOC_END = "<!-- faults:start -->", "<!-- faults:end -->"
SEED_INDEX_NUMBER = "015117762-202306-707714"
SEED = f"/disclosures/{SEED_INDEX_NUMBER}/"
# wrk's mix: no record page, so the witnesses' views of the seed record are the only ones.
LOAD_PAGES = ["/", "/disclosures/", f"/search/?q={quote('政府')}", "/proposals/", "/communities/"]
RENDERED = ("Cookie: bench=1",)  # a cookie the page cache does not know: every page rendered
CONNECTIONS = 16
TEMPLATE = "govportal_faults_template"
EDITOR = "faults-editor"
RECORD = "disclosures_disclosurerecord"


# --- the servers --------------------------------------------------------------------------


class Redis:
    """A redis-server of our own on a free port, with nothing kept on disk."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        WORK.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=WORK,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while self.cli("PING") != "PONG":
            if time.monotonic() > deadline:
                raise SystemExit(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True)
        return out.stdout.strip()

    def pending_views(self, prefix, record_id):
        """Views of one record buffered in Redis, not yet in the database (pending, or in a
        batch being flushed)."""
        keys = [f"{prefix}:counter:record-views:{part}" for part in ("pending", "flushing")]
        return sum(int(self.cli("HGET", key, str(record_id)) or 0) for key in keys)

    def kill(self, prefix, record_id):
        """Stop it dead; returns the views of `record_id` it held at that moment (lost with it:
        no persistence). Writes are paused first, so nothing is counted between the reading
        and the end."""
        self.cli("CLIENT", "PAUSE", "10000", "WRITE")
        held = self.pending_views(prefix, record_id)
        self.process.kill()
        self.process.wait()
        return held

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Site:
    """The scratch PostgreSQL cluster, holding the portal (migrated, seed and demo data) in a
    template database, and a standby of it once a fault needs one."""

    def __init__(self):
        self.secret = secrets.token_urlsafe(64)
        self.primary = Postgres(WORK / "primary", free_port())
        self._standby = None
        log(f"scratch PostgreSQL on port {self.primary.port} ({self.primary.data})")
        self.primary.initdb()
        self.primary.query(f'CREATE DATABASE "{TEMPLATE}"')
        # The development settings: demo data is never loaded under the production ones.
        env = {
            **self.env(TEMPLATE, redis_url="", prefix="faults-setup"),
            "DJANGO_SETTINGS_MODULE": "govportal.settings.dev",
        }
        for command in (["migrate", "--noinput", "-v0"], ["load_seed", "-v0"], ["load_demo_data", "-v0"]):
            log(f"  manage.py {command[0]}")
            subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True)

    def url(self, database):
        return self.primary.url(database)

    def database(self, name):
        self.primary.query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.primary.query(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        return name

    def standby(self):
        if self._standby is None:
            self._standby = Standby(WORK / "standby", free_port(), primary_dsn=self.primary.dsn())
            log(f"  standby of the scratch cluster on port {self._standby.port}")
            self._standby.create()
        self._standby.start()
        self._standby.set_delay(0)
        return self._standby

    def env(self, database, *, redis_url, prefix, **extra):
        env = prod_env(
            self.url(database),
            REDIS_URL=redis_url,
            CACHE_KEY_PREFIX=prefix,
            VIEW_COUNT_FLUSH_SECONDS=0,  # only flush_view_counts writes views: counted exactly
            LOG_LEVEL="WARNING",
            PAGE_CACHE_STAMP_FILE=str(WORK / f"stamp-{prefix}"),
            COUNTER_FILE=str(WORK / f"counters-{prefix}.sqlite3"),
            **extra,
        )
        env["SECRET_KEY"] = self.secret  # every node of a site signs sessions alike
        return env

    def query(self, database, sql, params=None):
        return self.primary.query(sql, params, dbname=database)

    def close(self):
        if self._standby is not None:
            self._standby.destroy()
        self.primary.destroy()


class Node(Server):
    """gunicorn with the production settings against one fault's database."""

    def __init__(self, site, database, name, *, redis_url, prefix, workers=4, args=(), **extra):
        self.env = site.env(database, redis_url=redis_url, prefix=prefix, **extra)
        super().__init__("govportal.wsgi:application", self.env, workers, name, args=args)

    def manage(self, *args):
        return subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True, text=True
        ).stdout


# --- load, witnesses, editor ----------------------------------------------------------------


class Witness:
    """Readers whose every answer is known: each thread sends one GET after another and
    records (sent at, path, status or error); stopped between requests, so none is in flight."""

    def __init__(self, base, paths, *, threads=2, cookie=None):
        self.base, self.paths, self.cookie = base, paths, cookie
        self.answers = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(i,), daemon=True) for i in range(threads)]

    def _read(self, offset):
        n = offset
        while not self.stopping.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            sent = time.monotonic()
            outcome, _ = nodes.get(self.base, path, self.cookie)
            with self.lock:
                self.answers.append((sent, path, outcome))
            if outcome != 200:
                time.sleep(0.02)  # no spinning on a refused connection

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def served(self, path=None):
        return sum(1 for _, p, outcome in self.answers if outcome == 200 and (path is None or p == path))

    def failed(self, since=None):
        return [a for a in self.answers if a[2] != 200 and (since is None or a[0] >= since)]


class Load(threading.Thread):
    """wrk over LOAD_PAGES for `seconds`, in the background."""

    def __init__(self, server, seconds, headers=RENDERED, connections=CONNECTIONS):
        super().__init__(daemon=True)
        self.server, self.seconds, self.headers, self.connections = server, seconds, headers, connections
        self.result = None

    def run(self):
        self.result = soak_wrk(
            self.server,
            LOAD_PAGES,
            connections=self.connections,
            duration=self.seconds,
            delay_ms=0,
            headers=self.headers,
        )


class Editor:
    """A signed-in staff member acting through the admin's list actions over HTTP."""

    def __init__(self, node, records=0):
        # `records` published once and withdrawn: 发布所选 publishes them again.
        self.cookie, self.records = nodes.staff(node.env, EDITOR, records)

    def act(self, base, action, pks):
        return nodes.admin_action(base, self.cookie, action, pks)

    def get(self, base, path):
        return nodes.get(base, path, self.cookie)[0]


def index_number(site, database, pk):
    return site.query(database, f"SELECT index_number FROM {RECORD} WHERE id = %s", [pk])[0][0]


def seed_views(site, database):
    return site.query(database, f"SELECT view_count FROM {RECORD} WHERE index_number = %s", [SEED_INDEX_NUMBER])[0][0]


def seed_id(site, database):
    return site.query(database, f"SELECT id FROM {RECORD} WHERE index_number = %s", [SEED_INDEX_NUMBER])[0][0]


def half_saved(site, database, pks):
    """Records whose parts disagree: the last history row not in the record's status, or
    publishes in the history and in the audit log not matching (a publish interrupted and
    partly kept)."""
    rows = site.query(
        database,
        f"""SELECT r.id,
                   r.status = (SELECT h.status FROM disclosures_historicaldisclosurerecord h
                               WHERE h.id = r.id ORDER BY h.history_id DESC LIMIT 1),
                   (SELECT count(*) FROM disclosures_historicaldisclosurerecord h
                    WHERE h.id = r.id AND h.status = 'published')
                   = (SELECT count(*) FROM audit_auditentry a WHERE a.target_type = 'disclosures.disclosurerecord'
                      AND a.target_id = r.id::text AND a.action = 'publish')
            FROM {RECORD} r WHERE r.id = ANY(%s)""",
        [pks],
    )
    return [row[0] for row in rows if not (row[1] and row[2])]


def published(site, database, pks):
    return site.query(database, f"SELECT count(*) FROM {RECORD} WHERE id = ANY(%s) AND status = 'published'", [pks])[0][
        0
    ]


def counted(node, site, database, before):
    """Views added to the database once the node has stopped (its workers hand over what they
    hold at exit) and a flush has run."""
    node.stop()
    node.manage("flush_view_counts")
    return seed_views(site, database) - before


def wait_for(predicate, timeout, step=0.02):
    """Seconds from now until the start of the first check that held (None if none did
    within `timeout`): a page's own rendering time is not counted."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        asked = time.monotonic()
        if predicate():
            return round(asked - started, 2)
        time.sleep(step)
    return None


def result(fault, topology, *, requests, errors, lost, checks, notes=""):
    return {
        "fault": fault,
        "topology": topology,
        "requests": requests,
        "errors": errors,
        "lost_counts": lost,
        "checks": [{"check": c, "met": bool(ok), "measured": m} for c, ok, m in checks],
        "notes": notes,
    }


def load_figures(*loads):
    return sum(x.result["requests"] for x in loads), sum(x.result["errors"] for x in loads)


# --- the faults -------------------------------------------------------------------------------


def postgres_restart(site, redis):
    """The primary restarted (pg_ctl restart -m fast) while every request reads it."""
    database = site.database("faults_postgres_restart")
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    workers = 4
    with Node(site, database, "faults-pg-restart", redis_url=redis.url, prefix=prefix, workers=workers) as node:
        before = seed_views(site, database)
        with Witness(node.base, [SEED], cookie="bench=1") as witness:
            load = Load(node, 12)
            load.start()
            time.sleep(4)
            site.primary.restart()
            back = time.monotonic()
            load.join()
            after = Load(node, 5)
            after.run()
        served = witness.served(SEED)
        lost = served - counted(node, site, database, before)
    requests, errors = load_figures(load, after)
    late = len(witness.failed(since=back)) + after.result["errors"]
    return result(
        "PostgreSQL primary restarted under load",
        f"1 node × {workers} workers, every page rendered (page cache bypassed)",
        requests=requests + len(witness.answers),
        errors=errors + len(witness.failed()),
        lost=lost,
        checks=[
            (
                "at most one failed request per worker",
                errors + len(witness.failed()) <= workers,
                errors + len(witness.failed()),
            ),
            ("no failed request once it is back", late == 0, late),
            ("no view lost", lost == 0, lost),
        ],
    )


def standby_stopped(site, redis):
    """The standby stopped under load for 5 s, then started again."""
    standby = site.standby()
    database = site.database("faults_standby_stopped")
    standby.wait_caught_up()
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    replica = standby.url(database)

    def standby_reads():
        rows = standby.query("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [database])
        return rows[0][0] if rows else 0

    with Node(
        site,
        database,
        "faults-standby",
        redis_url=redis.url,
        prefix=prefix,
        DATABASE_REPLICA_URLS=replica,
        DATABASE_REPLICA_RETRY_SECONDS=1,
    ) as node:
        before = seed_views(site, database)
        with Witness(node.base, [SEED], cookie="bench=1") as witness:
            load = Load(node, 14)
            load.start()
            time.sleep(3)
            standby.stop()
            time.sleep(5)
            standby.start()
            back = time.monotonic()
            time.sleep(2)
            reads_then = standby_reads()
            load.join()
            reads_after = standby_reads() - reads_then
        served = witness.served(SEED)
        lost = served - counted(node, site, database, before)
    requests, errors = load_figures(load)
    errors += len(witness.failed())
    return result(
        "standby stopped under load, started 5 s later",
        "1 node × 4 workers, anonymous reads on a streaming standby",
        requests=requests + len(witness.answers),
        errors=errors,
        lost=lost,
        checks=[
            ("no failed request", errors == 0, errors),
            ("the standby is read again once back", reads_after > 100, f"{reads_after} transactions on it"),
            ("no view lost", lost == 0, lost),
        ],
        notes=f"witness errors after it was back: {len(witness.failed(since=back))}",
    )


def standby_lagging(site, redis):
    """The standby applying every commit 5 s late while an editor publishes and withdraws."""
    delay = 5
    standby = site.standby()
    database = site.database("faults_standby_lagging")
    standby.wait_caught_up()
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    withdrawn_seen = {"within": 0, "after": 0, "checked": 0}
    with Node(
        site,
        database,
        "faults-lagging",
        redis_url=redis.url,
        prefix=prefix,
        DATABASE_REPLICA_URLS=standby.url(database),
    ) as node:
        local_seconds = float(node.env.get("PAGE_CACHE_LOCAL_SECONDS", 1))
        editor = Editor(node, records=3)
        standby.wait_caught_up()
        standby.set_delay(delay)
        load = Load(node, 3 * (delay + 6) + 5, headers=())
        load.start()
        for pk in editor.records:
            assert editor.act(node.base, "publish_selected", [pk]) == 302
            url = f"/disclosures/{index_number(site, database, pk)}/"
            time.sleep(delay + 1)  # the standby now has it published
            for cookie in (None, "bench=1"):  # the page cached, and rendered
                assert nodes.get(node.base, url, cookie)[0] == 200
            assert editor.act(node.base, "withdraw_selected", [pk]) == 302
            returned = time.monotonic()
            while time.monotonic() - returned < 4:
                for cookie in (None, "bench=1"):
                    status, _ = nodes.get(node.base, url, cookie)
                    withdrawn_seen["checked"] += 1
                    if status == 200:
                        withdrawn_seen["within" if time.monotonic() - returned < local_seconds else "after"] += 1
        load.join()
    standby.set_delay(0)
    requests, errors = load_figures(load)
    return result(
        f"standby {delay} s behind while records are published and withdrawn",
        "1 node × 4 workers, anonymous reads on a standby with recovery_min_apply_delay",
        requests=requests + withdrawn_seen["checked"],
        errors=errors,
        lost=None,
        checks=[
            (
                f"no reader served a withdrawn record later than PAGE_CACHE_LOCAL_SECONDS ({local_seconds:g} s) after the withdrawal returned",
                withdrawn_seen["after"] == 0,
                f"{withdrawn_seen['after']} of {withdrawn_seen['checked']} reads (within: {withdrawn_seen['within']})",
            ),
            ("no failed request", errors == 0, errors),
        ],
    )


def two_nodes(site, redis):
    """Two nodes sharing PostgreSQL and Redis: a publish on one is seen on the other; views
    counted on both add up."""
    database = site.database("faults_two_nodes")
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    common = {"redis_url": redis.url, "prefix": prefix, "workers": 2}
    with Node(site, database, "faults-node-a", **common) as a, Node(site, database, "faults-node-b", **common) as b:
        local_seconds = float(a.env.get("PAGE_CACHE_LOCAL_SECONDS", 1))
        editor = Editor(a, records=1)
        title = "故障演练记录1"
        before = seed_views(site, database)
        with Witness(a.base, [SEED]) as on_a, Witness(b.base, [SEED]) as on_b:
            loads = [Load(a, 10, headers=()), Load(b, 10, headers=())]
            for load in loads:
                load.start()
            time.sleep(2)
            assert editor.act(a.base, "publish_selected", editor.records) == 302

            def listed(node):
                return lambda: title in nodes.get(node.base, "/disclosures/")[1]

            seen = {"a": wait_for(listed(a), 10), "b": wait_for(listed(b), 10)}
            time.sleep(2)
            assert editor.act(b.base, "withdraw_selected", editor.records) == 302
            gone = wait_for(lambda: title not in nodes.get(a.base, "/disclosures/")[1], 10)
            for load in loads:
                load.join()
        served = on_a.served(SEED) + on_b.served(SEED)
        a.stop()
        lost = served - counted(b, site, database, before)
    requests, errors = load_figures(*loads)
    errors += len(on_a.failed()) + len(on_b.failed())
    return result(
        "two app nodes sharing PostgreSQL and Redis",
        "2 nodes × 2 workers, one Redis, one primary",
        requests=requests + len(on_a.answers) + len(on_b.answers),
        errors=errors,
        lost=lost,
        checks=[
            (
                f"a publish on node A listed on node B within PAGE_CACHE_LOCAL_SECONDS ({local_seconds:g} s)",
                seen["b"] is not None and seen["b"] <= local_seconds + 0.5,
                f"A {seen['a']} s, B {seen['b']} s after the publish returned",
            ),
            (
                "a withdrawal on node B gone from node A within it",
                gone is not None and gone <= local_seconds + 0.5,
                f"{gone} s",
            ),
            ("views on both nodes add up after a flush", lost == 0, f"{served} served, lost {lost}"),
            ("no failed request", errors == 0, errors),
        ],
    )


def workers_killed(site, redis):
    """A worker SIGKILLed every 3 s while readers read and an editor publishes."""
    database = site.database("faults_workers_killed")
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    killed = 0
    with Node(site, database, "faults-killed", redis_url=redis.url, prefix=prefix, workers=4) as node:
        editor = Editor(node, records=60)
        before = seed_views(site, database)
        outcomes = Counter()
        with Witness(node.base, [SEED]) as witness:
            load = Load(node, 20, headers=())
            load.start()
            stop = threading.Event()

            def kill():
                nonlocal killed
                while not stop.wait(3.0):
                    pids = node.worker_pids()
                    if pids:
                        os.kill(random.choice(pids), signal.SIGKILL)
                        killed += 1

            killer = threading.Thread(target=kill, daemon=True)
            killer.start()
            for pk in editor.records:
                if not load.is_alive():
                    break
                outcomes[editor.act(node.base, "publish_selected", [pk])] += 1
            load.join()
            stop.set()
            killer.join()
        served = witness.served(SEED)
        lost = served - counted(node, site, database, before)
    broken = half_saved(site, database, editor.records)
    requests, errors = load_figures(load)
    answered = outcomes.get(302, 0)
    done = published(site, database, editor.records)
    return result(
        "workers SIGKILLed under load, one every 3 s",
        "1 node × 4 workers (gunicorn starts a new one each time)",
        requests=requests + len(witness.answers) + sum(outcomes.values()),
        errors=errors + len(witness.failed()) + sum(outcomes.values()) - answered,
        lost=max(lost, 0),
        checks=[
            ("no half-saved record", not broken, f"{len(broken)} of {sum(outcomes.values())} publishes ({done} done)"),
            (
                "every publish answered as done is done",
                done >= answered,
                f"{answered} answered done, {done} published",
            ),
            ("no view lost", lost <= 0, f"{served} served, {served - lost} counted"),
        ],
        notes=f"{killed} workers killed; a request in a killed worker gets no answer (an error here), "
        f"and may have counted its view already ({max(-lost, 0)} such views)",
    )


def max_requests(site, redis):
    """Workers recycled by --max-requests under load."""
    database = site.database("faults_max_requests")
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    args = ("--max-requests", "50", "--max-requests-jitter", "10")
    with Node(site, database, "faults-recycled", redis_url=redis.url, prefix=prefix, workers=4, args=args) as node:
        editor = Editor(node, records=20)
        before = seed_views(site, database)
        pids = set()
        with Witness(node.base, [SEED]) as witness:
            load = Load(node, 12, headers=RENDERED)
            load.start()
            for pk in editor.records:
                editor.act(node.base, "publish_selected", [pk])
                pids.update(node.worker_pids())
                time.sleep(0.3)
            while load.is_alive():
                pids.update(node.worker_pids())
                time.sleep(0.2)
        served = witness.served(SEED)
        lost = served - counted(node, site, database, before)
    broken = half_saved(site, database, editor.records)
    requests, errors = load_figures(load)
    errors += len(witness.failed())
    return result(
        "workers recycled by --max-requests 50 under load",
        "1 node × 4 workers",
        requests=requests + len(witness.answers),
        errors=errors,
        lost=lost,
        checks=[
            ("no failed request", errors == 0, errors),
            ("no view lost", lost == 0, f"{served} served, lost {lost}"),
            ("no half-saved record", not broken, len(broken)),
        ],
        notes=f"{len(pids)} worker processes seen",
    )


def redis_restart(site, _redis):
    """Redis killed under load and started again 5 s later, empty (no persistence)."""
    redis = Redis()
    redis.start()
    database = site.database("faults_redis_restart")
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    try:
        with Node(site, database, "faults-redis", redis_url=redis.url, prefix=prefix) as node:
            editor = Editor(node, records=1)
            assert editor.act(node.base, "publish_selected", editor.records) == 302
            url = f"/disclosures/{index_number(site, database, editor.records[0])}/"
            before = seed_views(site, database)
            # wrk renders every page (each needs Redis for its cached values); the witnesses
            # read pages the page cache keeps, and count the seed record's views.
            with Witness(node.base, [SEED, "/", "/disclosures/"]) as witness:
                load = Load(node, 16)
                load.start()
                time.sleep(2)
                assert nodes.get(node.base, url)[0] == 200  # cached before the outage
                time.sleep(2)
                held = redis.kill(prefix, seed_id(site, database))
                down = time.monotonic()
                time.sleep(1)
                during = editor.act(node.base, "withdraw_selected", editor.records)
                staff_during = editor.get(node.base, "/admin/")
                time.sleep(4)
                redis.start()
                time.sleep(2)
                stale = nodes.get(node.base, url)[0]
                staff_after = editor.get(node.base, "/admin/")
                load.join()
            served = witness.served(SEED)
            lost = served - counted(node, site, database, before)
    finally:
        redis.stop()
    requests, errors = load_figures(load)
    errors += len(witness.failed())
    return result(
        "Redis killed under load, restarted empty 5 s later",
        "1 node × 4 workers, Redis without persistence",
        requests=requests + len(witness.answers),
        errors=errors,
        lost=lost,
        checks=[
            (
                "no failed request",
                errors == 0,
                f"{errors} ({len(witness.failed(since=down))} witness errors after the kill)",
            ),
            ("a withdrawal during the outage", during == 302, during),
            ("the withdrawn record not served once Redis is back", stale == 404, stale),
            (
                "the staff member still signed in during and after",
                (staff_during, staff_after) == (200, 200),
                f"{staff_during}, {staff_after}",
            ),
            (
                "no view lost but those Redis held when killed",
                lost <= held,
                f"{served} served, {served - lost} counted, {held} held by Redis when killed",
            ),
        ],
        notes="a Redis without persistence loses the views it holds; `appendonly yes` keeps them",
    )


FAULTS = {
    "postgres-restart": postgres_restart,
    "standby-stopped": standby_stopped,
    "standby-lagging": standby_lagging,
    "two-nodes": two_nodes,
    "workers-killed": workers_killed,
    "max-requests": max_requests,
    "redis-restart": redis_restart,
}


# --- report -----------------------------------------------------------------------------------


def table(results):
    lines = [
        "| fault | topology | requests | errors | lost counts | checks |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        checks = "; ".join(f"{'✓' if c['met'] else '✗ **missed**'} {c['check']}: {c['measured']}" for c in r["checks"])
        lost = "–" if r["lost_counts"] is None else r["lost_counts"]
        notes = f" ({r['notes']})" if r["notes"] else ""
        lines.append(
            f"| {r['fault']} | {r['topology']} | {r['requests']:,} | {r['errors']} | {lost} | {checks}{notes} |"
        )
    return "\n".join(lines)


def update_doc(data):
    text = DOC.read_text()
    if DOC_START not in text or DOC_END not in text:
        return
    before, rest = text.split(DOC_START, 1)
    after = rest.split(DOC_END, 1)[1]
    loads = [r["load_average"] for r in data["results"]]
    body = (
        f"Latest `make faults`: {data['date']}, on {data['machine']} shared with other work (load average "
        f"{min(loads):.1f}–{max(loads):.1f} as its faults started); raw figures in "
        f"`bench/results/faults-{data['date']}.json`.\n\n" + table(data["results"])
    )
    DOC.write_text(f"{before}{DOC_START}\n{body}\n{DOC_END}{after}")


def save(results):
    """Today's figures, each fault's latest run kept (FAULTS=… runs some again); the guide's
    table is rewritten once every fault has figures."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    date = dt.date.today().isoformat()
    path = RESULTS / f"faults-{date}.json"
    kept = json.loads(path.read_text())["results"] if path.exists() else []
    fresh = {r["name"] for r in results}
    merged = {r["name"]: r for r in kept if r.get("name") in FAULTS and r["name"] not in fresh}
    merged.update({r["name"]: r for r in results})
    data = {
        "date": date,
        "machine": f"{os.cpu_count()} cores",
        "results": [merged[name] for name in FAULTS if name in merged],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    if set(merged) == set(FAULTS):
        update_doc(data)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wanted = [f.strip() for f in os.environ.get("FAULTS", "").split(",") if f.strip()] or list(FAULTS)
    unknown = set(wanted) - set(FAULTS)
    if unknown:
        raise SystemExit(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
    DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=prod_env("sqlite://:memory:"),
        check=True,
    )
    site = Site()
    redis = Redis()
    redis.start()
    results = []
    try:
        for name in wanted:
            log(f"\n== {name}")
            load_average = os.getloadavg()[0]
            outcome = {"name": name, **FAULTS[name](site, redis), "load_average": load_average}
            results.append(outcome)
            for check in outcome["checks"]:
                log(f"  {'MET ' if check['met'] else 'MISS'}  {check['check']}: {check['measured']}")
            log(f"  requests {outcome['requests']:,}, errors {outcome['errors']}, lost counts {outcome['lost_counts']}")
    finally:
        redis.stop()
        site.close()
    save(results)
    log("\n" + table(results))
    if not all(c["met"] for r in results for c in r["checks"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
