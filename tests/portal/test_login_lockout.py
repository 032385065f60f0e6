"""Sign-in lockout (django-axes) behind the deployment's nginx: every request comes from the
proxy's address and the client's is the last X-Forwarded-For entry (TRUSTED_PROXY_COUNT=1)."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model

from audit.models import Action, AuditEntry
from portal.models import SiteSettings

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"
LOGINS = {
    "member": ("/accounts/login/", "username", False),
    "admin": ("/admin/login/", "username", True),
}


def attempt(client, url, username, password, ip, spoofed=""):
    forwarded = f"{spoofed}, {ip}" if spoofed else ip
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
    )


@pytest.fixture(params=sorted(LOGINS))
def login(request, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url, _, staff = LOGINS[request.param]
    get_user_model().objects.create_user("wang", password="right-password-1", is_staff=staff)
    get_user_model().objects.create_user("li", password="right-password-2", is_staff=staff)
    return url


def test_wrong_logins_from_one_client_do_not_lock_out_another(login, client):
    for number in range(5):
        # Whatever the client claims left of the proxy's entry is not believed.
        attempt(client, login, "wang", "wrong", CLIENT_A, spoofed=f"192.0.2.{number}")
    assert attempt(client, login, "wang", "right-password-1", CLIENT_A).status_code == 429

    response = attempt(client, login, "wang", "right-password-1", CLIENT_B)
    assert response.status_code == 302
    client.logout()
    # Nor another user from the same client.
    assert attempt(client, login, "li", "right-password-2", CLIENT_A).status_code == 302


def test_lockout_page_is_the_sites_in_chinese_with_duration_and_contact(login, client):
    SiteSettings.objects.create(
        site_name="测试门户",
        site_domain="x",
        site_id_code="1",
        sponsor="某区人民政府办公室",
        icp_number="1",
        police_record_number="1",
        phone="0871-12345678",
    )
    for _ in range(5):
        attempt(client, login, "wang", "wrong", CLIENT_A)
    response = attempt(client, login, "wang", "wrong", CLIENT_A)
    assert response.status_code == 429
    text = response.content.decode()
    assert "测试门户" in text and 'class="site-footer"' in text  # base.html
    assert "暂停登录" in text and "60分钟" in text
    assert "0871-12345678" in text


def test_attempts_while_locked_do_not_extend_the_lockout(login, client):
    for _ in range(5):
        attempt(client, login, "wang", "wrong", CLIENT_A)
    # 50 minutes later (the clock is the stored attempt time), still locked, tries again.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=50))
    assert attempt(client, login, "wang", "wrong", CLIENT_A).status_code == 429
    # 11 more minutes: the hour since the fifth failure is over.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=11))
    assert attempt(client, login, "wang", "right-password-1", CLIENT_A).status_code == 302


def test_an_ipv6_client_cannot_dodge_the_lockout_by_changing_addresses_within_its_network(login, client):
    """Every IPv6 subscriber gets a whole /64: counted per address, one person would have 2^64
    addresses of 5 tries each. The lockout counts the /64; the audit log keeps the address."""
    for host in range(1, 6):
        attempt(client, login, "wang", "wrong", f"2001:db8:1:2::{host}")
    assert attempt(client, login, "wang", "right-password-1", "2001:db8:1:2::ffff").status_code == 429
    assert attempt(client, login, "wang", "right-password-1", "2001:db8:1:3::1").status_code == 302
    addresses = set(AuditEntry.objects.filter(action=Action.LOGIN_FAILED).values_list("ip_address", flat=True))
    assert addresses == {f"2001:db8:1:2::{host}" for host in (1, 2, 3, 4, 5, "ffff")}


def test_ipv4_clients_seen_as_mapped_ipv6_are_still_counted_one_by_one(login, client):
    for _ in range(5):
        attempt(client, login, "wang", "wrong", "::ffff:203.0.113.5")
    assert attempt(client, login, "wang", "right-password-1", "::ffff:203.0.113.5").status_code == 429
    assert attempt(client, login, "wang", "right-password-1", "::ffff:198.51.100.7").status_code == 302


def test_sign_ins_are_recorded_once_in_the_audit_log_not_kept_again_by_the_lockout(login, client):
    """The audit log holds sign-ins (with the address) and is pruned after its retention; the
    lockout's own access log would keep each sign-in's name, address and browser for ever."""
    from axes.models import AccessLog

    assert attempt(client, login, "wang", "right-password-1", CLIENT_A).status_code == 302
    client.post("/accounts/logout/")
    assert not AccessLog.objects.exists()
    assert AuditEntry.objects.filter(action=Action.LOGIN, actor_name="wang", ip_address=CLIENT_A).exists()


def everything_stored():
    """Every value of every table, sessions decoded (their data is signed and encoded)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection

    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values += [str(value) for row in cursor.fetchall() for value in row]
    values += [str(SessionStore().decode(session.session_data)) for session in Session.objects.all()]
    return "\n".join(values)


def test_a_password_typed_as_the_username_is_kept_nowhere(login, client, caplog):
    """Staff sometimes type their password into the username box: what was typed there is
    kept (audit log, lockout records, logs) only when it names an account."""
    caplog.set_level(logging.DEBUG)
    typed = "Wang-Secret-2026!"
    for _ in range(2):
        attempt(client, login, typed, "right-password-1", CLIENT_A)
    attempt(client, login, "wang", "wrong", CLIENT_A)
    assert typed not in everything_stored()
    assert typed not in caplog.text
    names = [entry.actor_name for entry in AuditEntry.objects.filter(action=Action.LOGIN_FAILED).order_by("pk")]
    assert names[0] == names[1] != names[2] == "wang"  # the same unknown name, told apart from others
    assert names[0].startswith("(未知账号")


def test_an_unknown_name_is_still_locked_out_per_name_and_client(login, client):
    for _ in range(5):
        attempt(client, login, "wang-typo", "wrong", CLIENT_A)
    assert attempt(client, login, "wang-typo", "wrong", CLIENT_A).status_code == 429
    assert attempt(client, login, "wang-typo", "wrong", CLIENT_B).status_code == 200
    assert attempt(client, login, "wang-other", "wrong", CLIENT_A).status_code == 200
    assert attempt(client, login, "wang", "right-password-1", CLIENT_A).status_code == 302
