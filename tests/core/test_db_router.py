"""Read replicas (DATABASE_REPLICA_URLS, core/db_router.py).

The end-to-end test stands up a primary and a "replica" on the same PostgreSQL server: the
replica is a copy of the primary (CREATE DATABASE … TEMPLATE), then the primary changes, as
it would ahead of a lagging replica. Anonymous page views must read the replica; writes,
signed-in users and POSTs must use the primary. docs/deployment.md shows the same by hand."""

import json
import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core import db_router
from tests.conftest import SEED_INDEX_NUMBER


def seen_alias(method="get", **extra):
    captured = {}

    def view(request):
        captured["alias"] = db_router.read_alias()
        return HttpResponse("ok")

    request = getattr(RequestFactory(), method)("/", **extra)
    db_router.ReplicaMiddleware(view)(request)
    return captured["alias"]


def test_router_sends_only_anonymous_reads_to_a_replica():
    with override_settings(DATABASE_REPLICAS=["replica1", "replica2"]):
        assert seen_alias() in {"replica1", "replica2"}
        assert seen_alias("head") in {"replica1", "replica2"}
        assert seen_alias("post") == "default"
        assert seen_alias(HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc") == "default"
        assert seen_alias(HTTP_COOKIE="reader=elder%3D1") != "default"
        router = db_router.PrimaryReplicaRouter()
        assert router.db_for_write(None) == "default"
        assert router.allow_migrate("replica1", "disclosures") is False
        assert router.allow_migrate("default", "disclosures") is True
    with override_settings(DATABASE_REPLICAS=[]):
        assert seen_alias() == "default"
    assert db_router.read_alias() == "default"  # outside a request: the primary


def test_replica_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s; import json; print(json.dumps([s.DATABASE_REPLICAS, "
        "s.DATABASE_ROUTERS, s.DATABASES['replica2']['NAME'], s.DATABASES['replica2']['HOST'], s.MIDDLEWARE[:2]]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "govportal.settings.dev",
        "DATABASE_REPLICA_URLS": "postgres://u@10.0.0.2:5432/portal, postgres://u@10.0.0.3:5432/portal",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    replicas, routers, name, host, middleware = json.loads(out.strip().splitlines()[-1])
    assert replicas == ["replica1", "replica2"] and routers == ["core.db_router.PrimaryReplicaRouter"]
    assert (name, host) == ("portal", "10.0.0.3")
    assert middleware == ["core.pagecache.PageCacheMiddleware", "core.db_router.ReplicaMiddleware"]


PROBE = f"""
import json
from django.contrib.auth import get_user_model
from django.test import Client
from disclosures.models import DisclosureRecord
from disclosures.services import record_count_view, record_view_counts_flush

url = "/disclosures/{SEED_INDEX_NUMBER}/"
# The primary moves ahead of the replica.
DisclosureRecord.objects.filter(index_number="{SEED_INDEX_NUMBER}").update(title="只在主库中的新标题")
anonymous = Client(HTTP_USER_AGENT="Mozilla/5.0")
anon_html = anonymous.get(url).content.decode()
staff = get_user_model().objects.create_superuser("router-test", "", "pw-router-test-1")
signed_in = Client(HTTP_USER_AGENT="Mozilla/5.0")
signed_in.force_login(staff)
staff_html = signed_in.get(url).content.decode()
record_view_counts_flush()
primary = DisclosureRecord.objects.using("default").get(index_number="{SEED_INDEX_NUMBER}")
replica = DisclosureRecord.objects.using("replica1").get(index_number="{SEED_INDEX_NUMBER}")
print(json.dumps({{
    "anonymous_sees_new_title": "只在主库中的新标题" in anon_html,
    "anonymous_sees_old_title": replica.title in anon_html,
    "staff_sees_new_title": "只在主库中的新标题" in staff_html,
    "primary_views": primary.view_count, "replica_views": replica.view_count,
    "staff_on_replica": get_user_model().objects.using("replica1").filter(username="router-test").exists(),
}}))
"""


def _admin(url, *statements):
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.postgres_only
def test_anonymous_pages_read_the_replica_and_everything_else_the_primary():
    base = settings.DATABASES["default"]
    server = f"postgresql://{base['USER']}@{base['HOST']}:{base['PORT']}"
    suffix = uuid.uuid4().hex[:8]
    primary_db, replica_db = f"govportal_router_{suffix}_primary", f"govportal_router_{suffix}_replica"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "govportal.settings.dev",
        "DEBUG": "1",
        "DATABASE_URL": f"{server}/{primary_db}",
        "PAGE_CACHE": "0",
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "testserver",
        "VIEW_COUNT_FLUSH_SECONDS": "0",
    }
    env.pop("DATABASE_REPLICA_URLS", None)

    def manage(*args, extra=None):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env={**env, **(extra or {})},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    _admin(f"{server}/postgres", f'CREATE DATABASE "{primary_db}"')
    try:
        manage("migrate", "--noinput", "-v0")
        manage("load_seed", "-v0")
        # A replica that has caught up: a copy of the primary as it is now.
        _admin(f"{server}/postgres", f'CREATE DATABASE "{replica_db}" TEMPLATE "{primary_db}"')
        out = manage("shell", "-c", PROBE, extra={"DATABASE_REPLICA_URLS": f"{server}/{replica_db}"})
        result = json.loads(out.strip().splitlines()[-1])
    finally:
        for name in (replica_db, primary_db):
            _admin(f"{server}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert result == {
        "anonymous_sees_new_title": False,  # read from the replica…
        "anonymous_sees_old_title": True,
        "staff_sees_new_title": True,  # …the signed-in reader from the primary
        "primary_views": 63 + 2,
        "replica_views": 63,  # the view counts were written to the primary
        "staff_on_replica": False,  # the session and user too
    }
