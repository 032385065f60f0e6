"""Where each page's worker CPU goes when the page cache cannot serve it: every benchmarked
page type (and the signed-in member's own pages) called through the WSGI application in
this process, under the production settings, against a benchmark database.

    DATABASE_URL=postgres://…/gp_bench_100k REDIS_URL=redis://127.0.0.1:6379/0 \\
        python -m bench.pageprofile [--requests N] [--top N] [page name …]

For each page: CPU per request without instrumentation, then the same requests with each
request's CPU split into exclusive parts (a part's time excludes the parts it calls):
queries (SQL sent and rows read), cache (the cache backend and the counters' Redis calls),
template (rendering, includes and tags), context processors, view (the view's own Python:
selectors, forms, objects) and middleware (the handler, every middleware, URL resolution).
`--top N` also prints the N functions with the most own time (cProfile)."""

import argparse
import cProfile
import functools
import importlib
import io
import os
import pstats
import secrets
import time
from collections import defaultdict

from bench.run import PUBLIC_PAGES

NO_CACHE_COOKIE = "bench=1"  # unknown to the page cache: every request is rendered
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 govportal-bench"
)
PAGES = PUBLIC_PAGES
PARTS = ("queries", "cache", "template", "context processors", "view", "middleware")


class Meter:
    """Exclusive CPU time per part: entering a part pauses the one it was called from."""

    def __init__(self):
        self.totals = defaultdict(float)
        self.stack = []
        self.mark = 0.0
        self.on = False

    def enter(self, part):
        now = time.process_time()
        if self.stack:
            self.totals[self.stack[-1]] += now - self.mark
        self.stack.append(part)
        self.mark = now

    def leave(self):
        now = time.process_time()
        self.totals[self.stack.pop()] += now - self.mark
        self.mark = now


METER = Meter()


def _timed(part, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not METER.on:
            return func(*args, **kwargs)
        METER.enter(part)
        try:
            return func(*args, **kwargs)
        finally:
            METER.leave()

    return wrapper


def instrument():
    """Wrap the entry points of each part (before the first request: the template engine
    keeps the context processors it imported)."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.handlers.base import BaseHandler
    from django.db.backends.utils import CursorWrapper
    from django.db.models.sql.compiler import SQLCompiler
    from django.template.base import Template
    from django.utils.module_loading import import_string
    from redis.client import Pipeline, Redis

    for cls, names in (
        (CursorWrapper, ("execute", "executemany")),
        (SQLCompiler, ("execute_sql",)),
    ):
        for name in names:
            setattr(cls, name, _timed("queries", getattr(cls, name)))
    backend = type(caches["default"])
    for name in ("get", "get_many", "set", "add", "set_many", "incr", "delete"):
        setattr(backend, name, _timed("cache", getattr(backend, name)))
    Redis.execute_command = _timed("cache", Redis.execute_command)
    Pipeline.execute = _timed("cache", Pipeline.execute)
    Template.render = _timed("template", Template.render)
    for path in settings.TEMPLATES[0]["OPTIONS"].get("context_processors", []):
        module, name = path.rsplit(".", 1)
        setattr(importlib.import_module(module), name, _timed("context processors", import_string(path)))
    original = BaseHandler.make_view_atomic

    def make_view_atomic(self, view):
        return _timed("view", original(self, view))

    BaseHandler.make_view_atomic = make_view_atomic


def environ_for(url, cookie):
    from urllib.parse import urlsplit

    from django.test import RequestFactory

    parts = urlsplit(url)
    return RequestFactory()._base_environ(
        PATH_INFO=parts.path,
        QUERY_STRING=parts.query,
        HTTP_COOKIE=cookie,
        HTTP_USER_AGENT=BROWSER,
        HTTP_HOST="127.0.0.1",
        REMOTE_ADDR="127.0.0.1",
    )


def call(app, url, cookie):
    status = []
    body = app(environ_for(url, cookie), lambda s, h, *a: status.append(s))
    size = sum(len(chunk) for chunk in body)
    if hasattr(body, "close"):
        body.close()
    return status[0], size


def member_session():
    """([(name, url)] of the signed-in member's pages, a Cookie of that member signed in)."""
    from django.conf import settings
    from django.test import Client

    from bench.probe import member_pages, member_user

    client = Client()
    client.force_login(member_user())
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(name, url) for name, url, *_ in member_pages() if url], cookie


def staff_session(words):
    """[(name, url, Cookie)] of the staff pages (admin changelists, the 依申请公开 queue, the
    public pages as signed-in staff), as the bench's staff member, second step passed."""
    import random

    from bench.probe import session_cookie, staff_pages
    from disclosures.models import DisclosureRecord

    cookie = f"{NO_CACHE_COOKIE}; {session_cookie('staff')}"
    public = DisclosureRecord.objects.published().order_by("pk")
    return [
        (name, url, cookie if staff else NO_CACHE_COOKIE)
        for name, url, _, staff in staff_pages(public, words, random.Random(1))
        if url
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("pages", nargs="*")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.prod")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("CACHE_KEY_PREFIX", f"profile-{secrets.token_hex(4)}")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    from bench.generate import _meta_read
    from bench.probe import page_urls
    from govportal.wsgi import application

    words = (_meta_read() or {}).get("words") or {"common": "社区", "phrase": "社区治理", "miss": "量子纠缠"}
    pages = [(name, url, NO_CACHE_COOKIE) for name, url, *_ in page_urls(words) if name in PAGES and url]
    own, member_cookie = member_session()
    pages += [(name, url, f"{NO_CACHE_COOKIE}; {member_cookie}") for name, url in own]
    pages += staff_session(words)
    if options.pages:
        pages = [p for p in pages if p[0] in options.pages]
    instrument()
    n = options.requests
    print(f"{'page':<28} {'status':>6} {'bytes':>7} {'CPU ms':>7}  " + "  ".join(f"{p:>10}" for p in PARTS))
    for name, url, cookie in pages:
        for _ in range(5):  # per-generation values and process copies warm, as in a steady state
            status, size = call(application, url, cookie)
        started = time.process_time()
        for _ in range(n):
            call(application, url, cookie)
        cpu = (time.process_time() - started) * 1000 / n
        METER.totals.clear()
        METER.on = True
        for _ in range(n):
            METER.enter("middleware")
            call(application, url, cookie)
            METER.leave()
        METER.on = False
        measured = sum(METER.totals.values())
        shares = "  ".join(f"{METER.totals[p] * 1000 / n:>6.2f} {METER.totals[p] / measured:>3.0%}" for p in PARTS)
        print(f"{name:<28} {status[:3]:>6} {size:>7} {cpu:>7.2f}  {shares}", flush=True)
        if options.top:
            profiler = cProfile.Profile(time.process_time)  # CPU, as the bench measures it
            profiler.enable()
            for _ in range(n):
                call(application, url, cookie)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
                options.top
            )
            print("\n".join(out.getvalue().splitlines()[6:]))


if __name__ == "__main__":
    main()
