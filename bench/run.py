"""`make bench`: generate benchmark data, serve it with gunicorn under the production
settings, load every page with wrk from a second process, and compare with two references
measured in the same run (a raw WSGI app and a bare Django page, both returning the seed
record's bytes). Staff pages (the admin changelists, the 依申请公开 queue) are loaded signed in
as a district-wide 审核员 past the second sign-in step (bench/probe.py); the district's
consolidated 年报 is timed in process by the probe. Prints a table, saves
bench/results/<date>.json and docs/benchmarks.md.

Settings (environment):
  BENCH_SCALE        10k,100k,1m (comma-separated; default 10k,100k)
  BENCH_DB           postgres | sqlite (default: postgres when DATABASE_URL is one, else sqlite)
  BENCH_DATABASE_URL a database of its own, "{scale}" replaced by the scale
                     (default: govportal_bench_<scale> on DATABASE_URL's server, or a SQLite file)
  BENCH_DURATION     seconds per wrk run (default 10)   BENCH_CONNECTIONS  (default 32)
  BENCH_WORKERS      gunicorn sync workers (default 5)  BENCH_REDIS        0 to use local memory
  BENCH_PAGES        comma-separated page names to run (default: all)
  BENCH_SOAK_SECONDS the soak after the pages: a mix of pages at 80 % of its peak rate with a
                     publish every 5 s, for this long (default 600; 0 skips it)
  BENCH_PUBLISH_SECONDS  the same mix at full speed for this long, without and then with a
                     publish every 5 s, to compare throughput (default 30; 0 skips it)
"""

import datetime as dt
import functools
import gzip
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
PY = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
LUA = ROOT / "bench" / "report.lua"
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 govportal-bench"
)
NO_CACHE_COOKIE = "bench=1"
REDIS_URL = "redis://127.0.0.1:6379/0"
# One key for every process of a run (the server must accept the staff session the probe
# makes), and one Fernet key for the bench's 依申请公开 identifiers (generated in one process,
# decrypted in the server's): made-up data, so a key written here is fine.
RUN_SECRET_KEY = secrets.token_urlsafe(64)
BENCH_FIELD_KEY = "YmVuY2gtZGF0YS1vbmx5LW5vdC1hLXNlY3JldC0wMDA="


def log(message):
    print(message, flush=True)


# --- configuration -------------------------------------------------------------------------


def config():
    database_url = os.environ.get("DATABASE_URL", "")
    engine = os.environ.get("BENCH_DB") or ("postgres" if database_url.startswith("postgres") else "sqlite")
    return {
        "scales": [s.strip().lower() for s in os.environ.get("BENCH_SCALE", "10k,100k").split(",") if s.strip()],
        "engine": engine,
        "duration": int(os.environ.get("BENCH_DURATION", "10")),
        "soak_seconds": int(os.environ.get("BENCH_SOAK_SECONDS", "600")),
        "publish_seconds": int(os.environ.get("BENCH_PUBLISH_SECONDS", "30")),
        "connections": int(os.environ.get("BENCH_CONNECTIONS", "32")),
        "workers": int(os.environ.get("BENCH_WORKERS", "5")),
        "redis": os.environ.get("BENCH_REDIS", "1") != "0" and _redis_up(),
        "pages": [p.strip() for p in os.environ.get("BENCH_PAGES", "").split(",") if p.strip()],
    }


def _redis_up():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def bench_database_url(scale, engine):
    template = os.environ.get("BENCH_DATABASE_URL")
    if template:
        return template.replace("{scale}", scale)
    if engine == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'bench_{scale}.sqlite3'}"
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    url = urlunsplit(parts._replace(path=f"/govportal_bench_{scale}"))
    _create_postgres_database(url)
    return url


def _create_postgres_database(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres")).replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def base_env(database_url, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_REPLICA_URLS", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "ERROR",
            "INFOREQUESTS_FIELD_KEYS": BENCH_FIELD_KEY,
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def prod_env(database_url, **extra):
    return base_env(
        database_url,
        DJANGO_SETTINGS_MODULE="govportal.settings.prod",
        SECRET_KEY=RUN_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DEBUG="0",
        **extra,
    )


# --- servers and load ----------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on a loopback port, stopped with its workers when done."""

    def __init__(self, app, env, workers, name, args=()):
        self.port = free_port()
        self.name = name
        self.log = open(DATA / f"{name}.log", "w")
        self.process = subprocess.Popen(
            [
                GUNICORN,
                app,
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--timeout",
                "300",
                "--access-logfile",
                "/dev/null",
                *args,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{name} did not start; see {self.log.name}")
            try:
                urllib.request.urlopen(self.base + "/robots.txt", timeout=5).read()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise SystemExit(f"{name} did not answer within 60 s")

    def worker_pids(self):
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def booted_worker_rss(server, workers):
    """A worker's RSS once the application is loaded, before it serves a page: the floor under
    every worker figure. The median of the workers, once all have booted and settled (the one
    that answered the start-up check has served robots.txt alone)."""
    deadline = time.monotonic() + 30
    previous = None
    while time.monotonic() < deadline:
        time.sleep(1)
        sizes = sorted(rss_mib(pid) for pid in server.worker_pids())
        if len(sizes) == workers and sizes == previous:
            break
        previous = sizes
    return round(sizes[len(sizes) // 2], 1) if sizes else None


def rss_mib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid):
    """User + system CPU time of a process (its own, not its children's)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class RssSampler(threading.Thread):
    """The largest worker RSS seen while a load runs, and the CPU time the workers used:
    CPU per request is what other work on the machine disturbs least."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.peak, self.start_rss = server, 0.0, 0.0
        self.stopping = threading.Event()
        pids = server.worker_pids()
        self.start_rss = max((rss_mib(p) for p in pids), default=0.0)
        self.cpu_start = {pid: cpu_seconds(pid) for pid in pids}
        self.cpu_used = 0.0

    def run(self):
        while not self.stopping.is_set():
            for pid in self.server.worker_pids():
                self.peak = max(self.peak, rss_mib(pid))
            self.stopping.wait(0.2)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.join()
        self.cpu_used = sum(max(0.0, cpu_seconds(pid) - start) for pid, start in self.cpu_start.items())


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER, **(headers or {})})
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, dict(response.headers), response.read()


def wrk(url, *, connections, threads, duration, headers, timeout=10):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={timeout}s",
        "-s",
        str(LUA),
        "-H",
        f"User-Agent: {BROWSER}",
    ]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + timeout + 60).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no report for {url}: {out[-500:]}")
    data = json.loads(line[4:])
    seconds = data["duration_us"] / 1e6
    errors = sum(data["errors"].values())
    done = data["requests"] > 0
    latency = {f"{k}_ms": (data["latency_us"][k] / 1000 if done else None) for k in ("p50", "p95", "p99")}
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds, 1),
        **latency,
        # A request still running when the time is up is neither a response nor an error.
        "errors": errors,
        "error_detail": data["errors"],
        "connections": connections,
    }


def load(server, url, *, cfg, headers=(), connections=None, threads=2, duration=None, timeout=10):
    """Warm up (every worker, with a short untimed burst), then run wrk while sampling worker RSS."""
    full = server.base + url
    for _ in range(3):
        fetch(full, dict(h.split(": ", 1) for h in headers))
    wrk(
        full,
        connections=connections or cfg["connections"],
        threads=threads,
        duration=1,
        headers=headers,
        timeout=timeout,
    )
    with RssSampler(server) as rss:
        result = wrk(
            full,
            connections=connections or cfg["connections"],
            threads=threads,
            duration=duration or cfg["duration"],
            headers=headers,
            timeout=timeout,
        )
    result["rss_mib"] = round(rss.peak, 1)
    result["rss_start_mib"] = round(rss.start_rss, 1)
    # Workers' CPU per request (excludes PostgreSQL, Redis and wrk).
    result["cpu_ms"] = round(rss.cpu_used * 1000 / result["requests"], 3) if result["requests"] else None
    return result


# --- one scale -----------------------------------------------------------------------------


def generate(scale, database_url):
    started = time.monotonic()
    env = base_env(database_url, DJANGO_SETTINGS_MODULE="govportal.settings.dev", DEBUG="0", PAGE_CACHE="0")
    process = subprocess.Popen(
        [PY, "-u", "-m", "bench.generate", scale], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE
    )
    meta = None
    for line in process.stdout:
        if line.startswith("BENCH_META "):
            meta = json.loads(line[11:])
        else:
            log(line.rstrip())
    if process.wait() or meta is None:
        raise SystemExit(f"generating {scale} failed")
    meta["harness_seconds"] = round(time.monotonic() - started, 1)
    return meta


def probe(database_url, reference_file, stamp):
    env = prod_env(database_url, PAGE_CACHE_STAMP_FILE=stamp)
    out = subprocess.run(
        [PY, "-m", "bench.probe", str(reference_file)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"probe failed:\n{out.stderr[-3000:]}")
    return json.loads(next(ln for ln in out.stdout.splitlines() if ln.startswith("PROBE "))[6:])


def signed_in_session(database_url, extra, who):
    """A Cookie for the signed-in bench staff member (`who` "staff") or member ("member"), made
    with the server's settings (its session store: Redis under the run's key prefix, or the
    database)."""
    out = subprocess.run(
        [PY, "-m", "bench.probe", f"--{who}-session"],
        cwd=ROOT,
        env=prod_env(database_url, **extra),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"no {who} session:\n{out.stderr[-3000:]}")
    return next(ln for ln in out.stdout.splitlines() if ln.startswith("SESSION "))[8:]


def references(cfg, reference_file):
    env = base_env("sqlite://:memory:", BENCH_PAGE_FILE=reference_file)
    result = {}
    with Server("bench.refapps.raw:application", env, cfg["workers"], "ref-raw") as server:
        result["raw_wsgi"] = load(server, "/", cfg=cfg)
    with bare_django_server(cfg, reference_file) as server:
        result["bare_django"] = load(server, "/", cfg=cfg)
    return result


def bare_django_server(cfg, reference_file, name="ref-bare-django"):
    env = base_env(
        "sqlite://:memory:", BENCH_PAGE_FILE=reference_file, DJANGO_SETTINGS_MODULE="bench.refapps.bare_django"
    )
    return Server("bench.refapps.bare_django:application", env, cfg["workers"], name)


def with_adjacent_reference(measure, reference, cfg):
    """`measure()` between two loads of `reference` (a server of the bare Django page): this
    machine's speed drifts by up to a third within one run (shared host), so the seed record
    is also compared with the reference measured just before and after it."""
    before = load(reference, "/", cfg=cfg)
    result = measure()
    after = load(reference, "/", cfg=cfg)
    result["adjacent_bare_django"] = two_runs(before, after)
    return result


def two_runs(before, after):
    """One reference from two runs of it: the mean req/s and worker CPU, both runs' req/s and
    every error."""
    cpus = [r["cpu_ms"] for r in (before, after) if r.get("cpu_ms")]
    return {
        **before,
        "rps": round((before["rps"] + after["rps"]) / 2, 1),
        "rps_runs": [before["rps"], after["rps"]],
        "errors": before["errors"] + after["errors"],
        "cpu_ms": round(sum(cpus) / len(cpus), 3) if cpus else None,
    }


def download(server, url, *, times=2):
    """Whole downloads, one after another (a CSV export takes far longer than a wrk run):
    seconds each, bytes, lines, and the workers' peak RSS and CPU while they stream."""
    seconds, errors, size, lines = [], 0, 0, 0
    with RssSampler(server) as rss:
        for _ in range(times):
            started = time.monotonic()
            request = urllib.request.Request(
                server.base + url, headers={"User-Agent": BROWSER, "Cookie": NO_CACHE_COOKIE}
            )
            try:
                with urllib.request.urlopen(request, timeout=600) as response:
                    size = lines = 0
                    while chunk := response.read(1 << 16):
                        size += len(chunk)
                        lines += chunk.count(b"\n")
            except (urllib.error.URLError, OSError):
                errors += 1
                continue
            seconds.append(time.monotonic() - started)
    done = len(seconds)
    return {
        "requests": done,
        "rps": round(done / sum(seconds), 3) if done else 0.0,
        "p50_ms": round(sorted(seconds)[done // 2] * 1000, 1) if done else None,
        "p95_ms": round(max(seconds) * 1000, 1) if done else None,
        "p99_ms": round(max(seconds) * 1000, 1) if done else None,
        "errors": errors,
        "connections": 1,
        "rss_mib": round(rss.peak, 1),
        "rss_start_mib": round(rss.start_rss, 1),
        "cpu_ms": round(rss.cpu_used * 1000 / done, 1) if done else None,
        "downloaded_bytes": size,
        "lines": lines,
    }


SIGNED_IN = ("staff", "member")


def variants(page, cookies):
    """How each page is loaded: rendered (cache bypassed), from the page cache, one client;
    staff's and the member's pages rendered only, signed in (`cookies`: who → Cookie)."""
    name = page["name"]
    if name == "csv export":
        return [("stream", {"download": True})]
    for who in SIGNED_IN:
        if page.get(who):
            return [("uncached", {"headers": [f"Cookie: {NO_CACHE_COOKIE}; {cookies[who]}"]})]
    result = [("uncached", {"headers": [f"Cookie: {NO_CACHE_COOKIE}"]}), ("cached", {})]
    if name.startswith("search"):
        result.insert(
            1, ("uncached, 1 client", {"connections": 1, "threads": 1, "headers": [f"Cookie: {NO_CACHE_COOKIE}"]})
        )
    return result


SOAK = Path(__file__).with_name("soak.lua")
SOAK_PAGES = ("home", "catalogue p1", "seed record", "random record", "proposal", "communities", "search common word")


def soak_wrk(server, paths, *, connections, duration, delay_ms, headers=()):
    env = {**os.environ, "WRK_PATHS": " ".join(paths), "WRK_DELAY_MS": str(int(delay_ms)), "WRK_REPORT_LUA": str(LUA)}
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout=10s",
        "-s",
        str(SOAK),
        "-H",
        f"User-Agent: {BROWSER}",
        *[arg for h in headers for arg in ("-H", h)],
        server.base + "/",
    ]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=duration + 120).stdout
    data = json.loads(next(ln for ln in out.splitlines() if ln.startswith("WRK "))[4:])
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "errors": sum(data["errors"].values()),
        "error_detail": data["errors"],
        "p99_ms": data["latency_us"]["p99"] / 1000,
    }


def _soak_urls(pages):
    return [p["url"] for p in pages if p.get("name") in SOAK_PAGES and p.get("url") and not p.get("skipped")]


def _publisher(seconds, database_url, extra):
    return subprocess.Popen(
        [PY, "-m", "bench.publisher", str(seconds), "5"],
        cwd=ROOT,
        env=prod_env(database_url, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _published(publisher):
    out, err = publisher.communicate(timeout=120)
    report = next((ln[10:] for ln in out.splitlines() if ln.startswith("PUBLISHER ")), '{"published": 0, "errors": 1}')
    return json.loads(report), err


PUBLISHER_START_SECONDS = 3


def publishing_load(server, pages, database_url, cfg, extra):
    """Issue 20: the soak's mix of pages (past the page cache) at full speed, without and while
    an editor publishes every 5 s (each publish starts a new generation), cfg["publish_seconds"]
    each way: the throughput kept."""
    urls = _soak_urls(pages)
    if not urls:
        return None
    uncached = ("Cookie: bench=1",)
    seconds, connections = cfg["publish_seconds"], cfg["connections"]
    # Half the time each way, alternating, so that other work on the machine drifting during
    # the run weighs on both alike.
    half = max(5, seconds // 2)
    quiet, busy, published, errs = [], [], {"published": 0, "errors": 0}, []
    for _ in range(2):
        quiet.append(soak_wrk(server, urls, connections=connections, duration=half, delay_ms=0, headers=uncached))
        publisher = _publisher(half + PUBLISHER_START_SECONDS, database_url, extra)
        time.sleep(PUBLISHER_START_SECONDS)  # its Python and Django start up outside the timed run
        busy.append(soak_wrk(server, urls, connections=connections, duration=half, delay_ms=0, headers=uncached))
        report, err = _published(publisher)
        published = {key: published[key] + report[key] for key in published}
        errs.append(err)
    rps_without = round(sum(r["requests"] for r in quiet) / (half * len(quiet)), 1)
    rps_with = round(sum(r["requests"] for r in busy) / (half * len(busy)), 1)
    return {
        "seconds": half * 2,
        "pages": len(urls),
        "rps_without": rps_without,
        "rps_with": rps_with,
        "ratio": round(rps_with / rps_without, 3) if rps_without else None,
        "errors": sum(r["errors"] for r in quiet + busy),
        "published": published["published"],
        "publish_errors": published["errors"],
        "publish_stderr": "".join(errs)[-500:],
    }


def soak(server, pages, database_url, cfg, extra):
    """A mix of pages, half of them past the page cache, at 80 % of the mix's peak rate for
    cfg["soak_seconds"], while an editor publishes every 5 s: errors and worker memory."""
    urls = _soak_urls(pages)
    if not urls:
        return None
    uncached = ("Cookie: bench=1",)  # a cookie the page cache does not know
    connections = cfg["connections"]
    peak = soak_wrk(server, urls, connections=connections, duration=10, delay_ms=0, headers=uncached)["rps"]
    target = 0.8 * peak
    # Each connection waits so that together they send `target` requests a second; one
    # correction after a short trial, for the time the requests themselves take.
    delay = connections * 1000 / target
    trial = soak_wrk(server, urls, connections=connections, duration=10, delay_ms=delay, headers=uncached)["rps"]
    if trial:
        # A connection's cycle is the request's own time plus the wait: c / rate = latency + wait.
        latency = connections * 1000 / trial - delay
        delay = max(0.0, connections * 1000 / target - latency)
    publisher = _publisher(cfg["soak_seconds"], database_url, extra)
    start_rss = {pid: rss_mib(pid) for pid in server.worker_pids()}
    with RssSampler(server) as rss:
        result = soak_wrk(
            server, urls, connections=connections, duration=cfg["soak_seconds"], delay_ms=delay, headers=uncached
        )
    end_rss = {pid: rss_mib(pid) for pid in server.worker_pids()}
    published, err = _published(publisher)
    return {
        "seconds": cfg["soak_seconds"],
        "pages": len(urls),
        "peak_rps": peak,
        "target_rps": round(target, 1),
        "rps": result["rps"],
        "errors": result["errors"],
        "error_detail": result["error_detail"],
        "p99_ms": result["p99_ms"],
        "published": published["published"],
        "publish_errors": published["errors"],
        "publish_stderr": err[-500:],
        "rss_start_mib": round(max(start_rss.values(), default=0), 1),
        "rss_end_mib": round(max(end_rss.values(), default=0), 1),
        "rss_peak_mib": round(rss.peak, 1),
        "same_workers": sorted(start_rss) == sorted(end_rss),
    }


COLD_QUERIES = ROOT / "bench" / "cold_queries.txt"
# What the search guard answers instead of results (search/views.py REFUSALS).
GUARD_PAGE = "请增加检索词或选择分类".encode()


def cold_queries():
    return [ln.strip() for ln in COLD_QUERIES.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def cold_search(server, pages, database_url, extra):
    """Issue 22: every search of bench/cold_queries.txt sent once, one after another, right
    after a publish (so neither the page cache nor the kept counts know it), with a cookie the
    page cache does not know; then the same searches again, warm. Times each request."""
    search = next((p["url"] for p in pages if p["name"] == "search common word" and p.get("url")), None)
    if not search:
        return None
    path = search.split("?", 1)[0]
    subprocess.run(
        [PY, "-m", "bench.publisher", "0.5", "1"],
        cwd=ROOT,
        env=prod_env(database_url, **extra),
        check=True,
        capture_output=True,
    )
    result = {}
    for kind in ("cold", "warm"):
        times, refused, errors = [], [], []
        for line in cold_queries():
            url = f"{server.base}{path}?{urlencode(parse_qsl(line))}"
            started = time.monotonic()
            try:
                status, _, body = fetch(url, {"Cookie": NO_CACHE_COOKIE})
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            times.append((round((time.monotonic() - started) * 1000, 1), line))
            if status >= 500:
                errors.append(f"{line}: HTTP {status}")
            elif status == 429 or GUARD_PAGE in body:
                refused.append(line)
        ordered = sorted(ms for ms, _ in times)
        result[kind] = {
            "queries": len(times),
            "p50_ms": ordered[len(ordered) // 2],
            "p95_ms": ordered[max(0, -(-len(ordered) * 95 // 100) - 1)],
            "max_ms": ordered[-1],
            "slowest": sorted(times, reverse=True)[:5],
            "refused": refused,
            "errors": errors,
        }
        log(
            f"  search, {kind:<4} {len(times)} queries once each: p50 {_fmt(result[kind]['p50_ms'])} ms  "
            f"p95 {_fmt(result[kind]['p95_ms'])} ms  max {_fmt(result[kind]['max_ms'])} ms "
            f"({result[kind]['slowest'][0][1]})  refused {len(refused)}  errors {len(errors)}"
        )
    return result


def cold_targets(run):
    """Issue 22's goals: PostgreSQL p95 ≤ 300 ms and none over 1 s (set at a million records);
    SQLite p95 ≤ 500 ms (at 100k)."""
    cold = run.get("cold_search")
    if not cold:
        return []
    c, w = cold["cold"], cold["warm"]
    limit = 300 if run["database"] == "postgres" else 500
    met = c["p95_ms"] <= limit and not c["errors"] and not c["refused"]
    goal = f"p95 ≤ {limit} ms"
    if run["database"] == "postgres":
        met = met and c["max_ms"] <= 1000
        goal += ", none > 1 s"
    measured = (
        f"cold p50 {c['p50_ms']:.0f} / p95 {c['p95_ms']:.0f} / max {c['max_ms']:.0f} ms ({c['slowest'][0][1]}); "
        f"warm p50 {w['p50_ms']:.0f} / p95 {w['p95_ms']:.0f} / max {w['max_ms']:.0f} ms; {c['queries']} searches, "
        f"{len(c['refused'])} refused by the guard, {len(c['errors'])} errors"
    )
    return [
        {
            "target": "cold search, each query once after a publish (1 client)",
            "met": met,
            "measured": measured,
            "goal": goal,
        }
    ]


def run_scale(scale, cfg):
    log(f"\n=== {scale} on {cfg['engine']} ===")
    database_url = bench_database_url(scale, cfg["engine"])
    meta = generate(scale, database_url)
    DATA.mkdir(parents=True, exist_ok=True)
    reference_file = DATA / "reference_page.html"
    stamp = str(DATA / f"pagecache-stamp-{scale}")
    info = probe(database_url, reference_file, stamp)
    log(f"reference page: {info['reference_bytes']:,} bytes (the seed record as rendered)")
    refs_before = references(cfg, str(reference_file))
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    extra = {"CACHE_KEY_PREFIX": prefix}
    if cfg["redis"]:
        extra["REDIS_URL"] = REDIS_URL
    else:
        extra["PAGE_CACHE_STAMP_FILE"] = stamp
    pages = []
    cookies = {}
    try:
        with (
            Server("govportal.wsgi:application", prod_env(database_url, **extra), cfg["workers"], "app") as server,
            bare_django_server(cfg, str(reference_file), "ref-bare-django-adjacent") as adjacent,
        ):
            booted_rss = booted_worker_rss(server, cfg["workers"])
            for page in info["pages"]:
                if cfg["pages"] and page["name"] not in cfg["pages"]:
                    continue
                if page.get("in_process"):  # timed by the probe, not over HTTP
                    pages.append({**page, "variant": "in process"})
                    log(
                        f"  {page['name']:<20} in process          p50 {_fmt(page['p50_ms']):>7} ms  max {_fmt(page['p95_ms'])} ms"
                    )
                    continue
                for who in SIGNED_IN:
                    if page.get(who) and page.get("url") and who not in cookies:
                        # Made now, not before the public pages: the staff idle timeout would end it.
                        cookies[who] = signed_in_session(database_url, extra, who)
                if not page.get("url") or page.get("status") != 200:
                    pages.append(
                        {
                            **page,
                            "variant": "-",
                            "skipped": True,
                            "note": page.get("note") or f"status {page.get('status')}",
                        }
                    )
                    log(f"  {page['name']:<20} skipped: {pages[-1]['note']}")
                    continue
                for variant, options in variants(page, cookies):
                    options = dict(options)
                    factor = options.pop("duration_factor", 1)
                    try:
                        if options.pop("download", False):
                            result = download(server, page["url"])
                        elif (page["name"], variant) == ("seed record", "uncached"):
                            result = with_adjacent_reference(
                                functools.partial(
                                    load, server, page["url"], cfg=cfg, duration=cfg["duration"] * factor, **options
                                ),
                                adjacent,
                                cfg,
                            )
                        else:
                            result = load(server, page["url"], cfg=cfg, duration=cfg["duration"] * factor, **options)
                    except urllib.error.HTTPError as error:  # recorded, and the run goes on
                        pages.append(
                            {
                                **page,
                                "variant": variant,
                                "skipped": True,
                                "note": f"HTTP {error.code} from the server (see bench/data/app.log)",
                            }
                        )
                        log(f"  {page['name']:<20} {variant:<19} failed: HTTP {error.code}")
                        continue
                    row = {**page, "variant": variant, **result}
                    if variant == "cached":
                        row["queries"] = page.get("cached_queries")
                    pages.append(row)
                    log(
                        f"  {page['name']:<20} {variant:<19} {result['rps']:>8.1f} req/s  p50 {_fmt(result['p50_ms']):>7} ms"
                        f"  p99 {_fmt(result['p99_ms']):>8} ms  errors {result['errors']}  rss {result['rss_mib']} MiB"
                    )
            cold = None
            if not cfg["pages"] or any(name.startswith("search") for name in cfg["pages"]):
                log("  search: the cold query set (bench/cold_queries.txt), right after a publish")
                cold = cold_search(server, info["pages"], database_url, extra)
            publishing = None
            if cfg["publish_seconds"]:
                log(f"  publishing under load: {cfg['publish_seconds']} s without, then with a publish every 5 s")
                publishing = publishing_load(server, info["pages"], database_url, cfg, extra)
                if publishing:
                    log(
                        f"  publishing under load: {publishing['rps_without']} → {publishing['rps_with']} req/s, "
                        f"published {publishing['published']} ({publishing['publish_errors']} failed)"
                    )
            soaked = None
            if cfg["soak_seconds"]:
                log(f"  soak: {cfg['soak_seconds']} s at 80 % of peak, publishing every 5 s")
                soaked = soak(server, info["pages"], database_url, cfg, extra)
                if soaked:
                    log(
                        f"  soak: {soaked['rps']} req/s (target {soaked['target_rps']}), errors {soaked['errors']}, "
                        f"published {soaked['published']} ({soaked['publish_errors']} failed), worker RSS "
                        f"{soaked['rss_start_mib']} → {soaked['rss_end_mib']} MiB"
                    )
    finally:
        if cfg["redis"]:
            _forget_redis_keys(prefix)
    refs_after = references(cfg, str(reference_file))
    refs = {key: two_runs(refs_before[key], refs_after[key]) for key in refs_before}
    for row in pages:
        if "rps" in row and not row.get("in_process"):
            row["x_raw_wsgi"] = round(row["rps"] / refs["raw_wsgi"]["rps"], 3)
            row["x_bare_django"] = round(row["rps"] / refs["bare_django"]["rps"], 3)
            for key, name in (("raw_wsgi", "cpu_x_raw_wsgi"), ("bare_django", "cpu_x_bare_django")):
                if row.get("cpu_ms") and refs[key].get("cpu_ms"):
                    row[name] = round(refs[key]["cpu_ms"] / row["cpu_ms"], 3)
    run = {
        "scale": scale,
        "database": cfg["engine"],
        "cache": "redis" if cfg["redis"] else "local memory",
        "duration": cfg["duration"],
        "generation": meta,
        "references": refs,
        "reference_bytes": info["reference_bytes"],
        "pages": pages,
        "booted_worker_rss_mib": booted_rss,
        "soak": soaked,
        "cold_search": cold,
        "publishing": publishing,
    }
    run["targets"] = targets(run) + cold_targets(run)
    run["import"] = import_rate(database_url, meta)
    run["targets"] += import_targets(run)
    return run


def import_rate(database_url, meta):
    """Importing BENCH_IMPORT_ROWS generated rows (default 100k; 0 skips) through the importer's
    real run, beside the generator's own bulk-insert path measured just before in the same
    process (both rolled back: bench/importing.py)."""
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    if not rows:
        return None
    log(f"  import: {rows:,} generated rows (rolled back afterwards)")
    env = base_env(database_url, DJANGO_SETTINGS_MODULE="govportal.settings.dev", DEBUG="0", PAGE_CACHE="0")
    env["MEDIA_ROOT"] = str(DATA / "media")
    out = subprocess.run(
        [PY, "-u", "-m", "bench.importing", str(rows)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    for line in out.stdout.splitlines():
        if not line.startswith("BENCH_IMPORT "):
            log(line)
    if out.returncode:
        log(f"  import failed:\n{out.stderr[-3000:]}")
        return {"error": out.stderr[-500:]}
    data = json.loads(next(ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_IMPORT "))[13:])
    if meta.get("timings", {}).get("rows") and not meta.get("reused"):
        data["generated_rows_per_second"] = round(meta["records"] / meta["timings"]["rows"], 1)
    log(
        f"  import: {data['import_rows_per_second']:,.0f} rows/s vs generator {data['generator_rows_per_second']:,.0f} "
        f"records/s ({data['ratio']:.2f}×); load average {data['load_average_start'][0]:.2f} → {data['load_average_end'][0]:.2f}"
    )
    return data


def import_targets(run):
    data = run.get("import")
    if not data:
        return []
    if "error" in data:
        return [{"target": "import vs generator bulk insert", "met": False, "measured": "failed", "goal": "≥ 0.25×"}]
    generated = (
        f"; the generator's own first load {data['generated_rows_per_second']:,.0f}/s (indexes dropped)"
        if data.get("generated_rows_per_second")
        else ""
    )
    measured = (
        f"{data['ratio']:.2f}×: {data['import_rows_per_second']:,.0f} rows/s imported ({data['rows']:,} rows, drafts, "
        f"{data['import_flags']:,} flags) vs {data['generator_rows_per_second']:,.0f} records/s by the generator's path "
        f"with its search documents, indexes in place{generated}; load average {data['load_average_start'][0]:.2f} → "
        f"{data['load_average_end'][0]:.2f}"
    )
    return [
        {
            "target": "import vs generator bulk insert",
            "met": data["ratio"] >= 0.25,
            "measured": measured,
            "goal": "≥ 0.25×",
        }
    ]


def _forget_redis_keys(prefix):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i : i + 1000])


# --- targets, machine, report --------------------------------------------------------------


# Issue 20: each of these, past the page cache, within a multiple of bare Django's worker CPU
# (the public ones are also what bench/pageprofile.py profiles).
PUBLIC_PAGES = (
    "home",
    "catalogue p1",
    "catalogue p5000",
    "seed record",
    "random record",
    "proposal",
    "member page",
    "communities",
    "feed",
    "api list",
)
UNCACHED_PAGES = PUBLIC_PAGES + (
    "member page (signed in)",
    "own proposal (signed in)",
    "我的建议提案 (signed in)",
    "catalogue p1 (signed in staff)",
    "seed record (signed in staff)",
)
SEARCH_PAGES = ("search common word", "search phrase", "search miss")


def _row(run, name, variant, *, skipped=False):
    """The page's measured row (or, with skipped=True, the row saying why it was not measured)."""
    return next(
        (
            r
            for r in run["pages"]
            if r["name"] == name and r.get("variant") == variant and bool(r.get("skipped")) == skipped
        ),
        None,
    )


def static_weight():
    """The site's own CSS and JavaScript as served (minified: core.staticmin), raw and gzipped."""
    from core.staticmin import is_own_asset, minified

    static = ROOT / "static"
    texts = [
        minified(name, path.read_text(encoding="utf-8"))
        for path in static.rglob("*")
        if path.is_file() and is_own_asset(name := path.relative_to(static).as_posix())
    ]
    return sum(len(t.encode()) for t in texts), sum(len(gzip.compress(t.encode(), 6)) for t in texts)


def targets(run):
    refs = run["references"]
    checks = []

    def check(name, ok, measured, goal):
        checks.append({"target": name, "met": bool(ok) if ok is not None else None, "measured": measured, "goal": goal})

    seed = _row(run, "seed record", "uncached")
    if seed:
        whole_run = seed["rps"] / refs["bare_django"]["rps"]
        adjacent = seed.get("adjacent_bare_django")
        if adjacent:
            ratio = seed["rps"] / adjacent["rps"]
            by_cpu = (
                f"; {adjacent['cpu_ms'] / seed['cpu_ms']:.2f}× by worker CPU per request"
                if adjacent.get("cpu_ms") and seed.get("cpu_ms")
                else ""
            )
            measured = (
                f"{ratio:.2f}× req/s{by_cpu} (bare Django just before and after: "
                f"{adjacent['rps_runs'][0]:,.0f} / {adjacent['rps_runs'][1]:,.0f} req/s); "
                f"{whole_run:.2f}× the references at the run's start and end"
            )
            ratio = min(ratio, whole_run)
        else:
            by_cpu = (
                f"; {seed['cpu_x_bare_django']:.2f}× by worker CPU per request" if seed.get("cpu_x_bare_django") else ""
            )
            measured, ratio = f"{whole_run:.2f}× req/s{by_cpu}", whole_run
        check("seed record uncached vs bare Django", ratio >= 0.6, measured, "≥ 0.6× (both ways)")
    cached = [r for r in run["pages"] if r.get("variant") == "cached" and not r.get("skipped")]
    if cached:
        worst = min(cached, key=lambda r: r["rps"])
        ratio = worst["rps"] / refs["raw_wsgi"]["rps"]
        best = max(cached, key=lambda r: r["rps"])["rps"] / refs["raw_wsgi"]["rps"]
        cpu = [r["cpu_x_raw_wsgi"] for r in cached if r.get("cpu_x_raw_wsgi")]
        by_cpu = f"; by worker CPU per request {min(cpu):.2f}×–{max(cpu):.2f}×" if cpu else ""
        check(
            "every cached page vs raw WSGI",
            ratio >= 0.5,
            f"{ratio:.2f}× ({worst['name']}) to {best:.2f}× req/s{by_cpu}",
            "≥ 0.5×",
        )
    bare_cpu = refs["bare_django"].get("cpu_ms")
    for label, names, limit in (
        ("public pages, signed-in member's and staff's views of them, uncached", UNCACHED_PAGES, 5),
        ("search pages, uncached", SEARCH_PAGES, 8),
    ):
        rows = [r for r in run["pages"] if r["name"] in names and r.get("variant") == "uncached"]
        if rows and bare_cpu:
            times = {r["name"]: r["cpu_ms"] / bare_cpu for r in rows if r.get("cpu_ms")}
            worst = max(times, key=times.get) if times else None
            check(
                f"{label}: worker CPU per request vs bare Django",
                worst is not None and len(times) == len(rows) and times[worst] <= limit,
                f"{times[worst]:.1f}× ({worst}: {_row(run, worst, 'uncached')['cpu_ms']:.2f} / {bare_cpu:.2f} ms); "
                f"{len(times)} pages from {min(times.values()):.1f}×"
                if worst
                else "no response",
                f"≤ {limit}× (each page)",
            )
    p1, p5000 = _row(run, "catalogue p1", "uncached"), _row(run, "catalogue p5000", "uncached")
    if p1 and p5000 and p1["p99_ms"] and p5000["p99_ms"]:
        ratio = p5000["p99_ms"] / p1["p99_ms"]
        check(
            "catalogue page 5000 p99 vs page 1",
            ratio <= 1.5,
            f"{ratio:.2f}× ({p5000['p99_ms']:.1f} / {p1['p99_ms']:.1f} ms){'; ' + p5000['note'] if p5000.get('note') else ''}",
            "≤ 1.5×",
        )
    for name, limit in (("search common word", 150), ("search phrase", None), ("search miss", 20)):
        row = _row(run, name, "uncached, 1 client")
        failed = _row(run, name, "uncached, 1 client", skipped=True)
        if failed and limit and not row:
            check(f"{name} p95, 1 client", False, f"not measured: {failed.get('note')}", f"≤ {limit} ms")
        if row and limit:
            p95 = row["p95_ms"]
            measured = f"{p95:.1f} ms" if p95 is not None else f"no response within {run.get('duration', '?')} s"
            check(f"{name} p95, 1 client", p95 is not None and p95 <= limit, measured, f"≤ {limit} ms")
    p1 = _row(run, "catalogue p1", "uncached")
    floor = _row(run, "catalogue p1 (signed in staff)", "uncached")
    for prefix, limit, label in (
        ("admin ", 2.0, "admin changelists"),
        ("inforequests ", 1.5, "依申请公开 queue and statistics"),
    ):
        rows = [r for r in run["pages"] if r["name"].startswith(prefix) and r.get("variant") == "uncached"]
        if rows and p1 and p1.get("p95_ms"):
            ratios = {r["name"]: r["p95_ms"] / p1["p95_ms"] for r in rows if r.get("p95_ms") is not None}
            worst = max(ratios, key=ratios.get) if ratios else None
            measured = (
                f"{ratios[worst]:.2f}× ({worst}: {_row(run, worst, 'uncached')['p95_ms']:.0f} / "
                f"{p1['p95_ms']:.0f} ms); {len(ratios)} pages from {min(ratios.values()):.2f}×"
                if worst
                else "no response"
            )
            if floor and floor.get("p95_ms") is not None:
                # What signing in costs by itself: the same kept catalogue page, as the staff member.
                measured += f"; signing in alone {floor['p95_ms'] / p1['p95_ms']:.2f}× ({floor['name']})"
            check(
                f"{label} p95 vs catalogue p1 p95",
                worst is not None and len(ratios) == len(rows) and ratios[worst] <= limit,
                measured,
                f"≤ {limit}× (each page)",
            )
    report = _row(run, "annual report", "in process")
    if report:
        check(
            "consolidated 年报 generated",
            report["p95_ms"] <= 2000,
            f"{report['p95_ms'] / 1000:.2f} s slowest of {report['requests']} (median {report['p50_ms'] / 1000:.2f} s); "
            f"{report.get('note', '')}",
            "≤ 2 s",
        )
    csv = _row(run, "csv export", "stream")
    if csv:
        check(
            "CSV export worker RSS",
            csv["rss_mib"] <= 80,
            f"{csv['rss_mib']} MiB (before the export {csv['rss_start_mib']} MiB; {csv.get('lines', 0) - 1:,} rows, "
            f"{csv.get('downloaded_bytes', 0) / 1e6:.1f} MB in {_fmt((csv['p50_ms'] or 0) / 1000)} s)"
            + (
                f"; a worker holds {run['booted_worker_rss_mib']} MiB once the application is loaded, before any page"
                if run.get("booted_worker_rss_mib")
                else ""
            ),
            "≤ 80 MiB",
        )
    errors = sum(r.get("errors", 0) for r in run["pages"]) + sum(r["errors"] for r in refs.values())
    failing = sorted({r["name"] for r in run["pages"] if r.get("skipped") and re.search(r"HTTP 5|status 5", r["note"])})
    check(
        "errors",
        errors == 0 and not failing,
        f"{errors}" + (f"; server errors on: {', '.join(failing)}" if failing else ""),
        "0",
    )
    seed_any = next((r for r in run["pages"] if r["name"] == "seed record"), None)
    if seed_any:
        check("seed record HTML gzip", seed_any["gzip_bytes"] <= 10 * 1024, f"{seed_any['gzip_bytes']:,} B", "≤ 10 KB")
    raw, zipped = static_weight()
    check("all CSS + JS", raw <= 50 * 1024, f"{raw:,} B as served, minified ({zipped:,} B gzip)", "≤ 50 KB")
    soaked = run.get("soak")
    if soaked:
        # Flat: the workers are the same processes and grew by under 10 % (allocators keep some).
        flat = soaked["same_workers"] and soaked["rss_end_mib"] <= soaked["rss_start_mib"] * 1.10
        check(
            f"soak {soaked['seconds']} s at 80 % of peak, a publish every 5 s",
            soaked["errors"] == 0 and soaked["publish_errors"] == 0 and flat,
            f"{soaked['rps']:,.0f} req/s of {soaked['pages']} pages (target {soaked['target_rps']:,.0f}, peak "
            f"{soaked['peak_rps']:,.0f}); {soaked['errors']} errors; {soaked['published']} published, "
            f"{soaked['publish_errors']} failed; worker RSS {soaked['rss_start_mib']} → {soaked['rss_end_mib']} MiB "
            f"(peak {soaked['rss_peak_mib']})",
            "0 errors, worker RSS flat",
        )
    publishing = run.get("publishing")
    if publishing:
        check(
            "throughput while publishing every 5 s vs without",
            publishing["ratio"] is not None
            and publishing["ratio"] >= 0.7
            and publishing["errors"] == 0
            and publishing["publish_errors"] == 0,
            f"{publishing['ratio']:.2f}× ({publishing['rps_with']:,.0f} / {publishing['rps_without']:,.0f} req/s of "
            f"{publishing['pages']} pages, {publishing['seconds']} s each; {publishing['published']} published, "
            f"{publishing['publish_errors']} failed; {publishing['errors']} errors)"
            if publishing["ratio"] is not None
            else "no requests",
            "≥ 0.7×",
        )
    skipped = [r["name"] for r in run["pages"] if r.get("skipped")]
    if skipped:
        check("pages not measured", None, ", ".join(skipped), "—")
    return checks


def machine():
    def first(path, key):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            return ""
        return ""

    def version(command):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return ""

    import django

    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": first("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": version([GUNICORN, "--version"]),
        "wrk": version(["wrk", "--version"]),
        "postgresql": version(["psql", "--version"]),
        "redis": version(["redis-server", "--version"]),
        "load_average": list(os.getloadavg()),
    }


def save(runs, cfg, started):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{dt.date.today().isoformat()}.json"
    data = {"runs": []}
    if path.exists():
        data = json.loads(path.read_text())
    # The day's file gathers runs made apart (one engine, one page set at a time), sometimes on
    # different machines: a run kept from an earlier invocation keeps that invocation's machine.
    for r in data.get("runs", []):
        r.setdefault("machine", data.get("machine"))
        r.setdefault("date", data.get("date"))
    this_machine = {**machine(), "load_average_at_start": started}
    for r in runs:
        r["machine"] = this_machine
        r["date"] = dt.date.today().isoformat()
    keep = [
        r
        for r in data.get("runs", [])
        if (r["scale"], r["database"]) not in {(n["scale"], n["database"]) for n in runs}
    ]
    order = {"10k": 0, "100k": 1, "1m": 2}
    data["runs"] = sorted(keep + runs, key=lambda r: (r["database"], order.get(r["scale"], 9)))
    data.update(
        {
            "date": dt.date.today().isoformat(),
            "machine": this_machine,
            "settings": {
                "workers": cfg["workers"],
                "worker_class": "sync",
                "connections": cfg["connections"],
                "duration_s": cfg["duration"],
                "threads": 2,
                "generator": "bench/generate.py",
            },
        }
    )
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    DOC.write_text(markdown(data, path))
    update_readme(data)
    return path


README = ROOT / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def readme_summary(data) -> str:
    """The targets of every scale measured, side by side: what the README shows."""
    runs = data["runs"]
    head = "| target | goal | " + " | ".join(f"{r['scale']} ({r['database']})" for r in runs) + " |"
    lines = [
        f"Latest `make bench`: {data['date']}, load average at start "
        f"{data['machine']['load_average_at_start'][0]:.2f}; the full table is in `docs/benchmarks.md`.",
        "",
        head,
        "|---|---|" + "---|" * len(runs),
    ]
    names = list(dict.fromkeys(t["target"] for r in runs for t in r["targets"]))
    for name in names:
        cells, goals = [], {}
        for r in runs:
            t = next((t for t in r["targets"] if t["target"] == name), None)
            if t is None:
                cells.append("–")
                continue
            goals.setdefault(t["goal"], []).append(f"{r['scale']} {r['database']}")
            mark = {True: "", False: " **(missed)**", None: ""}[t["met"]]
            cells.append(t["measured"] + mark)
        # A target whose goal differs by scale or engine (cold search: PostgreSQL at a million,
        # SQLite at 100k) names each goal's runs.
        goal = next(iter(goals), "") if len(goals) < 2 else "; ".join(f"{g} ({', '.join(w)})" for g, w in goals.items())
        lines.append(f"| {name} | {goal} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_readme(data):
    text = README.read_text()
    if README_START not in text or README_END not in text:
        return
    before, rest = text.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    README.write_text(f"{before}{README_START}\n{readme_summary(data)}\n{README_END}{after}")


def _fmt(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def _times(cpu_ms, bare_cpu_ms):
    """Worker CPU per request as a multiple of bare Django's (issue 20's measure: ≤ 5×)."""
    return f"{cpu_ms / bare_cpu_ms:.1f}×" if cpu_ms and bare_cpu_ms else "–"


def table(run):
    lines = [
        "| page | variant | req/s | p50 ms | p99 ms | errors | queries | bytes | gzip | worker RSS MiB "
        "| worker CPU ms/req | × raw WSGI | × bare Django | × raw (CPU) | × bare (CPU) | CPU ÷ bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    refs = run["references"]
    for key, label in (("raw_wsgi", "reference: raw WSGI"), ("bare_django", "reference: bare Django")):
        r = refs[key]
        raw, bare = refs["raw_wsgi"], refs["bare_django"]
        cpu_raw = _fmt(raw["cpu_ms"] / r["cpu_ms"], 2) if r.get("cpu_ms") and raw.get("cpu_ms") else "–"
        cpu_bare = _fmt(bare["cpu_ms"] / r["cpu_ms"], 2) if r.get("cpu_ms") and bare.get("cpu_ms") else "–"
        lines.append(
            f"| {label} | runs: {' / '.join(_fmt(x) for x in r['rps_runs'])} | {_fmt(r['rps'])} | {_fmt(r['p50_ms'])} | "
            f"{_fmt(r['p99_ms'])} | {r['errors']} | 0 | {run['reference_bytes']:,} | | {_fmt(r['rss_mib'])} | "
            f"{_fmt(r.get('cpu_ms'), 2)} | {_fmt(r['rps'] / raw['rps'], 2)} | {_fmt(r['rps'] / bare['rps'], 2)} | "
            f"{cpu_raw} | {cpu_bare} | {_times(r.get('cpu_ms'), bare.get('cpu_ms'))} |"
        )
    for r in run["pages"]:
        if r.get("skipped"):
            lines.append(f"| {r['name']} | {r.get('variant', '-')}: not measured: {r['note']} |" + " |" * 14)
            continue
        name = r["name"] + (f" ({r['note']})" if r.get("note") else "")
        lines.append(
            f"| {name} | {r['variant']} | {_fmt(r['rps'])} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} | "
            f"{r['errors']} | {r.get('queries', '–')} | {r['bytes']:,} | {r['gzip_bytes']:,} | "
            f"{_fmt(r.get('rss_mib'))} | {_fmt(r.get('cpu_ms'), 2)} | {_fmt(r.get('x_raw_wsgi'), 2)} | "
            f"{_fmt(r.get('x_bare_django'), 2)} | {_fmt(r.get('cpu_x_raw_wsgi'), 2)} | "
            f"{_fmt(r.get('cpu_x_bare_django'), 2)} | {_times(r.get('cpu_ms'), refs['bare_django'].get('cpu_ms'))} |"
        )
    return "\n".join(lines)


def markdown(data, path):
    def described(m):
        return (
            f"{m['cpu']}, {m['cores']} cores, {m['memory']}; Linux {m['kernel']}; Python {m['python']}, "
            f"Django {m['django']}, {m['gunicorn']}, {m['wrk']}, {m['postgresql']}. "
            f"Load average at start {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}, at end "
            f"{', '.join(f'{x:.2f}' for x in m['load_average'])}"
        )

    m = data["machine"]
    out = [
        "# Benchmarks",
        "",
        f"Latest `make bench` run: {data['date']} (raw figures: `{path.relative_to(ROOT)}`). "
        "Generated by `bench/run.py` — do not edit by hand.",
        "",
        f"Machine of the latest run: {described(m)} (other work on the machine shifts absolute figures; "
        "compare the ratios, measured in the same run).",
        "",
        f"gunicorn {data['settings']['workers']} sync workers, production settings; wrk {data['settings']['threads']} threads, "
        f"{data['settings']['connections']} connections, {data['settings']['duration_s']} s per run, loopback. "
        "*uncached*: the page cache is bypassed (a cookie it does not know), so every request runs the middleware and "
        "the view (a record page is then filled in from its kept rendering with the live 浏览次数, see ADR 0004; other "
        "public pages answer from their response kept for the generation, ADR 0090); *CPU ÷ bare*: worker CPU per "
        "request as a multiple of bare Django's (issue 20: ≤ 5×, search ≤ 8×); *(signed in)*: as the member who leads "
        "the most proposals; "
        "*cached*: served by the page cache; *1 client*: one connection. References: a raw WSGI app returning the seed "
        "record's bytes, and a bare Django page (startproject middleware, the same bytes rendered as a template, "
        "no query), each measured before and after the pages (both figures shown, their mean used).",
        "",
    ]
    for run in data["runs"]:
        g = run["generation"]
        out += [
            f"## {run['scale']} records on {run['database']} (cache: {run['cache']})",
            "",
            f"Data: {g['records']:,} records, {g.get('replies', 0):,} proposal replies, {g.get('facts', 0):,} facts, "
            f"{g.get('search_documents', 0):,} search documents, {g.get('cases', 0):,} 依申请公开 cases; "
            f"generated in {g['seconds']} s "
            f"({', '.join(f'{k} {v} s' for k, v in g.get('timings', {}).items())})"
            + (" — reused from an earlier run" if g.get("reused") else "")
            + ".",
            "",
            *(
                [f"Measured on {run['date']}, by an earlier invocation of the bench.", ""]
                if run.get("date", data["date"]) != data["date"]
                else []
            ),
            *([f"Machine of this run: {described(run['machine'])}.", ""] if run.get("machine", m) != m else []),
            table(run),
            "",
            "| target | goal | measured | met |",
            "|---|---|---|---|",
        ]
        for t in run["targets"]:
            met = {True: "yes", False: "**no**", None: "–"}[t["met"]]
            out.append(f"| {t['target']} | {t['goal']} | {t['measured']} | {met} |")
        out.append("")
    if data.get("search_relevance"):
        out += ["", "## Search relevance", ""]
        out += [f"{relevance_line(engine, measured)}." for engine, measured in data["search_relevance"].items()]
    return "\n".join(out) + "\n"


def relevance_line(engine, measured):
    return (
        f"search relevance ({engine}, {measured['queries']} queries of search/relevance_set.json): "
        f"precision@3 {measured['precision_at_3']:.3f}, nDCG@10 {measured['ndcg_at_10']:.3f}"
    )


def print_run(run):
    log("")
    log(table(run))
    log("")
    for t in run["targets"]:
        log(
            f"  {'MET ' if t['met'] else 'MISS' if t['met'] is False else '    '}  {t['target']}: {t['measured']} (goal {t['goal']})"
        )


def search_relevance(cfg):
    """The search relevance set's precision@3 and nDCG@10 (search/relevance.py) on the seed and
    demo data, loaded into a scratch database of the run's engine: printed, and added to the
    day's results and docs/benchmarks.md beside the latency figures."""
    url = bench_database_url("relevance", cfg["engine"])
    if url.startswith("sqlite"):
        Path(urlsplit(url).path).unlink(missing_ok=True)
    else:
        import psycopg

        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres")).replace("postgres://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
        _create_postgres_database(url)
    env = base_env(url)
    for command in (["migrate", "--noinput"], ["load_seed"], ["load_demo_data"]):
        subprocess.run(
            [PY, "manage.py", *command, "--verbosity", "0"], cwd=ROOT, env=env, check=True, capture_output=True
        )
    out = subprocess.run(
        [PY, "manage.py", "search_relevance", "--json"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    measured = json.loads(out)
    log(relevance_line(cfg["engine"], measured))
    path = RESULTS / f"{dt.date.today().isoformat()}.json"
    if path.exists():
        data = json.loads(path.read_text())
        data.setdefault("search_relevance", {})[cfg["engine"]] = measured
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        DOC.write_text(markdown(data, path))  # every engine's figures, the latest of each
    return measured


def main():
    # Stopped from outside: unwind, so the servers started here are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make bench installs it)")
    cfg = config()
    started = list(os.getloadavg())
    log(
        f"bench: scales {cfg['scales']} on {cfg['engine']}, {cfg['workers']} workers, {cfg['connections']} connections, "
        f"{cfg['duration']} s per run, cache {'redis' if cfg['redis'] else 'local memory'}"
    )
    DATA.mkdir(parents=True, exist_ok=True)
    env = prod_env(bench_database_url(cfg["scales"][0], cfg["engine"]))
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    runs = []
    for scale in cfg["scales"]:
        run = run_scale(scale, cfg)
        runs.append(run)
        print_run(run)
        path = save(runs, cfg, started)
    search_relevance(cfg)
    log(f"\nsaved {path.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
