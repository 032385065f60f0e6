"""gunicorn's access log (govportal/gunicorn.py) never holds a query string or a Referer:
staff search members by phone (`?q=139…`) and citizens search for their own names, and
personal data is never logged. Real gunicorn, real requests, the log file read back."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.run import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PHONE = "13912345678"


def plain_app(environ, start_response):
    """Stands in for Django: what is logged is gunicorn's, whatever the application."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def failing_app(environ, start_response):
    """An application failing before its response: gunicorn logs the request it was handling."""
    raise RuntimeError("failed")


def serve_one_request(app, request_for, tmp_path):
    """Start gunicorn with these settings, send one request (built for the port), wait for its
    access line, and stop: the access and error logs' text."""
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    port = free_port()
    server = subprocess.Popen(
        [
            str(GUNICORN),
            app,
            "--config",
            "python:govportal.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-control-socket",
            "--access-logfile",
            str(access),
            "--error-logfile",
            str(errors),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        request = request_for(port)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(request, timeout=5).read()
                break
            except urllib.error.HTTPError:
                break  # answered (a 500 from a failing application)
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        while time.monotonic() < deadline and not access.read_text().strip():
            time.sleep(0.1)  # the worker writes its line after the response
    finally:
        server.terminate()
        server.wait(timeout=30)
    return access.read_text(), errors.read_text()


def member_search(port):
    return urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/proposals/member/?q={PHONE}",
        headers={"Referer": f"http://127.0.0.1:{port}/search/?q=%E5%BC%A0%E4%B8%89+{PHONE}"},
    )


def test_access_log_has_path_and_status_but_no_query_string_or_referer(tmp_path):
    line, _ = serve_one_request("tests.core.test_access_log:plain_app", member_search, tmp_path)
    assert '"GET /admin/proposals/member/ HTTP/1.1" 200' in line
    assert PHONE not in line
    assert "q=" not in line and "search" not in line


def test_the_error_log_names_the_failed_request_without_its_query_string(tmp_path):
    line, errors = serve_one_request("tests.core.test_access_log:failing_app", member_search, tmp_path)
    assert " 500 " in line and PHONE not in line  # gunicorn's line of a failure has no path
    assert "Error handling request GET /admin/proposals/member/" in errors  # still says which
    assert PHONE not in errors and "q=" not in errors


def test_make_run_uses_these_settings():
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (serve,) = [line for line in recipe.replace("\\\n", " ").splitlines() if "gunicorn " in line]
    assert "--config python:govportal.gunicorn" in serve
