"""Reference 1: a raw WSGI app that returns a page of the same bytes as the seed record.

This is the ceiling for anything served by gunicorn on this machine: no framework, no
database, no cache lookup. The page is read once at import (BENCH_PAGE_FILE)."""

import os

PAGE = open(os.environ["BENCH_PAGE_FILE"], "rb").read()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [PAGE]
