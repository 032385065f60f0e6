"""Demo accounts: `load_demo_data` (make run) creates one per role, prints how to sign in (password,
current code, recovery codes) and the README lists them; staff come with an authenticator bound.
Production settings refuse them: the command, the service, and the check every migrate runs."""

import io
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.demo import DemoDataRefused
from core.roles import ENTRY_CLERK, REVIEW_GROUPS
from disclosures import demo as disclosures_demo
from disclosures.models import DisclosureRecord
from proposals import demo as proposals_demo
from security.checks import demo_accounts_absent
from security.demo import DEMO_GROUP, demo_account_ensure, demo_recovery_codes
from tests.conftest import shared_transaction
from tests.staff import current_code

STAFF_USERNAMES = [row[0] for row in disclosures_demo.STAFF] + [disclosures_demo.ADMIN[0]]
PASSWORDS = {row[0]: row[4] for row in disclosures_demo.STAFF} | {
    disclosures_demo.ADMIN[0]: disclosures_demo.ADMIN[3],
    proposals_demo.MEMBER_USERNAME: proposals_demo.MEMBER_PASSWORD,
}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """`make run`'s data (seed, then demo data), loaded once for the module; the console output."""
    with shared_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("load_seed", verbosity=0)
            out = io.StringIO()
            call_command("load_demo_data", stdout=out)
        yield out.getvalue()


@pytest.fixture
def console(loaded, db):
    return loaded


def sign_in(username, token):
    client = Client()
    response = client.post("/admin/login/", {"username": username, "password": PASSWORDS[username]})
    assert response.status_code == 302, username
    assert "/accounts/2fa/verify/" in client.get("/admin/")["Location"]  # the password alone is not enough
    response = client.post("/accounts/2fa/verify/", {"token": token})
    assert response.status_code == 302, username
    assert client.get("/admin/").status_code == 200
    return client


def test_one_account_per_role_printed_with_how_to_sign_in(console):
    for username in [*STAFF_USERNAMES, proposals_demo.MEMBER_USERNAME]:
        user = User.objects.get(username=username)
        assert user.groups.filter(name=DEMO_GROUP).exists()
        assert f"用户名 {username}  密码 {PASSWORDS[username]}" in console
    groups = {name: set(User.objects.get(username=name).groups.values_list("name", flat=True)) for name in PASSWORDS}
    assert groups["demo-clerk"] == {DEMO_GROUP, ENTRY_CLERK}
    for stage in ("first", "second", "final"):
        assert groups[f"demo-{stage}"] == {DEMO_GROUP, REVIEW_GROUPS[stage]}
    admin = User.objects.get(username="demo-admin")
    assert admin.is_superuser and admin.is_staff
    for username in STAFF_USERNAMES:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        codes = demo_recovery_codes(username)
        assert f"恢复码 {' '.join(codes)}" in console and re.search(rf"{username}.*此刻验证码 \d{{6}}", console)
        assert sorted(StaticToken.objects.filter(device__user=device.user).values_list("token", flat=True)) == sorted(
            codes
        )
    # The staff belong to the seed's district government, where two demo records wait for them.
    clerk = User.objects.get(username="demo-clerk")
    assert list(clerk.agency_memberships.values_list("organization__org_code", flat=True)) == ["015117762"]
    pending = DisclosureRecord.objects.get(title=disclosures_demo.PENDING_TITLE)
    assert pending.status == "pending" and pending.review_stage == "second"
    assert DisclosureRecord.objects.get(title=disclosures_demo.DRAFT_TITLE).status == "draft"


def test_staff_sign_in_with_the_printed_code_or_a_recovery_code(console):
    device = TOTPDevice.objects.get(user__username="demo-first")
    client = sign_in("demo-first", current_code(device))
    changelist = client.get("/admin/disclosures/disclosurerecord/?status=pending").content.decode()
    assert disclosures_demo.PENDING_TITLE in changelist
    code = demo_recovery_codes("demo-clerk")[0]
    sign_in("demo-clerk", code)
    assert not StaticToken.objects.filter(token=code, device__user__username="demo-clerk").exists()  # used up
    call_command("load_demo_data", stdout=io.StringIO())  # make run again: the code is back
    assert StaticToken.objects.filter(token=code, device__user__username="demo-clerk").exists()


def test_the_member_account_sees_its_own_proposals(console):
    member = User.objects.get(username=proposals_demo.MEMBER_USERNAME)
    assert not member.is_staff and member.proposal_member.lead_proposals.count() >= 3
    client = Client()
    response = client.post("/accounts/login/", {"username": member.username, "password": PASSWORDS[member.username]})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert member.proposal_member.lead_proposals.first().title in page


def test_loading_again_creates_no_second_account(console):
    before = User.objects.count(), DisclosureRecord.objects.count()
    call_command("load_demo_data", stdout=io.StringIO())
    assert (User.objects.count(), DisclosureRecord.objects.count()) == before


def test_the_readme_lists_every_demo_account():
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it", 1)[1].split("\n## ", 1)[0]
    for username, password in PASSWORDS.items():
        assert f"`{username}`" in section and f"`{password}`" in section


@pytest.mark.django_db
def test_settings_that_forbid_demo_data_refuse_the_accounts_and_the_loader():
    with override_settings(DEMO_DATA_ALLOWED=False):
        with pytest.raises(DemoDataRefused):
            demo_account_ensure(username="demo-x", password="Luru-Demo-2026", full_name="x", role="录入员")
        with pytest.raises(CommandError, match="演示数据"):
            call_command("load_demo_data", stdout=io.StringIO())
    assert not User.objects.filter(username="demo-x").exists()


@pytest.mark.django_db
def test_a_demo_account_left_in_a_production_database_fails_the_check():
    assert demo_accounts_absent(databases=["default"]) == []
    demo_account_ensure(username="demo-x", password="Luru-Demo-2026", full_name="x", role="录入员")
    assert demo_accounts_absent(databases=["default"]) == []  # allowed here (test settings)
    with override_settings(DEMO_DATA_ALLOWED=False):
        errors = demo_accounts_absent(databases=["default"])
        assert [error.id for error in errors] == ["security.E001"]
        assert demo_accounts_absent(databases=None) == []  # only `check --database`, which migrate runs


def test_production_settings_refuse_to_load_demo_data():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="govportal.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="www.kmgd.gov.cn",
        DEMO_DATA_ALLOWED="1",  # not read from the environment: prod forbids demo data whatever it says
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo_data"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "演示数据和演示账号" in result.stderr and "demo-clerk" not in result.stdout


@pytest.mark.django_db
def test_settings_that_forbid_demo_data_refuse_a_demo_accounts_sign_in():
    """A demo account in a production database (loaded by a `manage.py` that ran with the dev
    settings, or a trial database put into service) has a published password and recovery
    codes: production settings refuse its sign-in, not only report it at the next migrate."""
    account = demo_account_ensure(username="demo-x", password="Luru-Demo-2026", full_name="x", role="录入员")
    code = demo_recovery_codes("demo-x")[0]
    with override_settings(DEMO_DATA_ALLOWED=False):
        client = Client()
        response = client.post("/admin/login/", {"username": "demo-x", "password": "Luru-Demo-2026"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        assert client.post("/accounts/2fa/verify/", {"token": code}).status_code == 302
        assert client.get("/admin/").status_code == 302  # still the sign-in page
    # An ordinary account is not affected, and demo accounts sign in where demo data is allowed.
    account.user.groups.clear()
    with override_settings(DEMO_DATA_ALLOWED=False):
        client = Client()
        assert client.post("/admin/login/", {"username": "demo-x", "password": "Luru-Demo-2026"}).status_code == 302
