"""Talking to app nodes over HTTP as readers and staff do: used by `make faults` and by the
tests that run gunicorn nodes (tests/performance/nodes.py)."""

import http.client
import json
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.run import BROWSER

ROOT = Path(__file__).resolve().parent.parent

# Run with a node's settings: a staff member signed in with both steps, in the nodes' session
# store, as their sign-in view would leave it; and `count` records published once and withdrawn,
# for them to publish again with the admin's 发布所选 (a draft goes through review instead).
STAFF_SESSION = """
import json, sys
from importlib import import_module
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from disclosures import services
from disclosures.models import DisclosureRecord, Organization, Topic

user, _ = get_user_model().objects.get_or_create(username=sys.argv[1], defaults={"is_staff": True, "is_superuser": True})
device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "nodes"})
session = import_module(settings.SESSION_ENGINE).SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
                HASH_SESSION_KEY: user.get_session_auth_hash(), DEVICE_ID_SESSION_KEY: device.persistent_id})
session.create()
publisher, topic = Organization.objects.order_by("pk").first(), Topic.objects.order_by("pk").first()
records = []
for i in range(int(sys.argv[2])):
    record = DisclosureRecord.objects.create(title=f"故障演练记录{i + 1}", publisher=publisher, topic=topic,
                                             body="<p>故障演练：发布、撤回。</p>")
    services.record_publish(record=record)
    services.record_withdraw(record=record, reason="故障演练")
    records.append(record.pk)
print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}", "records": records}))
"""


def staff(env, username, withdrawn=0):
    """(Cookie header of a signed-in superuser, [ids of `withdrawn` new withdrawn records])."""
    out = subprocess.run(
        [sys.executable, "-c", STAFF_SESSION, username, str(withdrawn)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"signing {username} in failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["cookie"], data["records"]


def request(base, method, path, *, cookie=None, body=None):
    """(status, body text), or (the error's name, "") when no answer came."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"User-Agent": BROWSER, **({"Cookie": cookie} if cookie else {})}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__, ""
    finally:
        connection.close()


def get(base, path, cookie=None):
    return request(base, "GET", path, cookie=cookie)


def admin_action(base, cookie, action, pks):
    """An admin list action on records (publish_selected: a withdrawn record published again;
    withdraw_selected) posted as the browser would; the admin answers a done action with a 302."""
    csrf = uuid.uuid4().hex
    body = urlencode(
        [("csrfmiddlewaretoken", csrf), ("action", action), ("index", "0"), ("select_across", "0")]
        + [("_selected_action", str(pk)) for pk in pks]
    )
    status, _ = request(
        base, "POST", "/admin/disclosures/disclosurerecord/", cookie=f"{cookie}; csrftoken={csrf}", body=body
    )
    return status
