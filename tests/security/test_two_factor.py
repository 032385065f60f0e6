"""Two-step sign-in: staff reach no admin page on a password alone; members may opt in."""

import base64
import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEntry
from tests.proposals.factories import MemberFactory
from tests.security.conftest import PASSWORD
from tests.staff import authenticator, current_code, enrolment_code

pytestmark = pytest.mark.django_db
ADMIN_PAGES = ["/admin/", "/admin/disclosures/disclosurerecord/", "/admin/auth/user/", "/admin/audit/auditentry/"]


def password_login(client, username, path="/admin/login/"):
    response = client.post(path, {"username": username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302, response.content.decode()[:500]  # the password was right
    return response


def test_a_staff_password_alone_opens_no_admin_page_and_leads_to_enrolment(client, staff_user):
    password_login(client, "li-staff")
    for page in ADMIN_PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/accounts/2fa/setup/?next="), page
    # Public pages stay open to the half signed-in member of staff.
    assert client.get("/").status_code == 200


def test_enrolment_shows_qr_and_secret_then_recovery_codes_once(client, staff_user, clock):
    code = enrolment_code(staff_user)
    password_login(client, "li-staff")
    page = client.get("/accounts/2fa/setup/?next=/admin/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    secret = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)) == device.bin_key

    wrong = client.post(
        "/accounts/2fa/setup/",
        {"enrolment_code": code, "token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert "验证码不正确" in wrong.content.decode() and client.get("/admin/").status_code == 302
    clock.shift(dt.timedelta(seconds=2))  # a failure holds the device back a second (throttling)

    done = client.post(
        "/accounts/2fa/setup/", {"enrolment_code": code, "token": current_code(device), "next": "/admin/"}
    )
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and "只显示这一次" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    for page in ADMIN_PAGES:
        assert client.get(page).status_code == 200, page
    assert AuditEntry.objects.filter(action=Action.OTP_ENROLLED, actor_name="li-staff").exists()


def test_the_owner_is_mailed_when_an_authenticator_is_bound_or_new_recovery_codes_are_taken(
    client, staff_user, clock, mailoutbox, django_capture_on_commit_callbacks
):
    """Should someone other than the owner bind an authenticator, the owner must hear of it."""
    code = enrolment_code(staff_user)
    password_login(client, "li-staff")
    client.get("/accounts/2fa/setup/?next=/admin/")
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/2fa/setup/", {"enrolment_code": code, "token": current_code(device), "next": "/admin/"})
    assert [(m.to, m.subject) for m in mailoutbox] == [(["li@example.com"], "账号安全提醒：绑定了身份验证器")]
    # 23:58 UTC on 31 December is 07:58 on 1 January in Beijing.
    assert "li-staff 于 2027年01月01日 07:58（北京时间）绑定了身份验证器" in mailoutbox[0].body
    assert "联系系统管理员" in mailoutbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/2fa/recovery-codes/")
    assert mailoutbox[-1].subject == "账号安全提醒：重新生成了恢复码" and len(mailoutbox) == 2


def test_an_enrolled_staff_member_gets_in_only_with_a_valid_code(client, staff_user, clock):
    device = authenticator(staff_user)
    response = password_login(client, "li-staff")
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/verify/")
    assert client.get("/admin/").status_code == 302

    bad = client.post("/accounts/2fa/verify/", {"token": "12345", "next": "/admin/"})
    assert bad.status_code == 200 and "验证码不正确" in bad.content.decode()
    assert client.get("/admin/").status_code == 302
    clock.shift(dt.timedelta(seconds=2))

    good = client.post("/accounts/2fa/verify/", {"token": current_code(device), "next": "/admin/"})
    assert good.status_code == 302 and good["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    actions = list(AuditEntry.objects.filter(actor_name="li-staff").order_by("pk").values_list("action", "succeeded"))
    assert actions == [(Action.LOGIN, True), (Action.OTP_FAILED, False), (Action.OTP_VERIFIED, True)]


def test_a_recovery_code_works_once(client, staff_user, django_user_model):
    from django.test import Client

    authenticator(staff_user)
    first = Client()
    password_login(first, "li-staff")
    # A code from the set issued at enrolment (issued here directly, as if saved on paper).
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    static = StaticDevice.objects.create(user=staff_user, name="恢复码")
    static.token_set.create(token="k7m2p9q4")
    assert first.post("/accounts/2fa/verify/", {"token": "k7m2p9q4"}).status_code == 302
    assert first.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(action=Action.RECOVERY_CODE_USED).count() == 1

    second = Client()
    password_login(second, "li-staff")
    again = second.post("/accounts/2fa/verify/", {"token": "k7m2p9q4"})
    assert "验证码不正确或已使用" in again.content.decode()
    assert second.get("/admin/").status_code == 302
    assert not StaticToken.objects.filter(token="k7m2p9q4").exists()


def test_committee_members_may_opt_in_and_then_need_the_code(client, clock):
    user = get_user_model().objects.create_user("member-zhao", password=PASSWORD)
    MemberFactory(user=user)
    client.post("/accounts/login/", {"username": "member-zhao", "password": PASSWORD})
    assert client.get("/proposals/mine/").status_code == 200  # no second factor by default
    assert "启用两步验证" in client.get("/accounts/2fa/").content.decode()

    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=user)
    code = enrolment_code(user)
    assert (
        client.post("/accounts/2fa/setup/", {"enrolment_code": code, "token": current_code(device)}).status_code == 200
    )
    client.post("/accounts/logout/")

    client.post("/accounts/login/", {"username": "member-zhao", "password": PASSWORD})
    response = client.get("/proposals/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/verify/")
    clock.shift(dt.timedelta(seconds=90))  # a code is accepted once: the next sign-in needs the next one
    device.refresh_from_db()
    assert (
        client.post("/accounts/2fa/verify/", {"token": current_code(device), "next": "/proposals/mine/"}).status_code
        == 302
    )
    assert client.get("/proposals/mine/").status_code == 200


def test_staff_areas_outside_the_admin_need_the_second_step_too(client, db):
    """The 依申请公开 case pages hold applicants' personal data: a password alone reaches none."""
    from django.contrib.auth.models import User

    from tests.staff import sign_in_staff

    staff = User.objects.create_user("caseworker", password="Long-enough-pass-1", is_staff=True)
    client.force_login(staff)
    response = client.get("/disclosures/apply/staff/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    sign_in_staff(client, staff)
    assert client.get("/disclosures/apply/staff/").status_code != 302


def test_whether_a_user_has_an_authenticator_is_kept_until_a_device_changes(client, clock):
    """The middleware asks on every request of a signed-in member: asked once, then kept; an
    authenticator added elsewhere (another browser, the admin) is seen on the next request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.create_user("member-qian", password=PASSWORD)
    MemberFactory(user=user)
    client.post("/accounts/login/", {"username": "member-qian", "password": PASSWORD})
    assert client.get("/proposals/mine/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/proposals/mine/").status_code == 200
    assert not [q for q in queries.captured_queries if "otp_" in q["sql"]]

    device = authenticator(user)  # confirmed, saved outside this session
    response = client.get("/proposals/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/verify/")

    device.delete()
    assert client.get("/proposals/mine/").status_code == 200


@pytest.mark.parametrize("target", ["foo", "admin:index", "https://evil.example/", "//evil.example/x"])
def test_a_next_that_is_not_a_path_here_goes_to_the_default_page(client, staff_user, target):
    device = authenticator(staff_user)
    password_login(client, "li-staff")
    response = client.post(f"/accounts/2fa/verify/?next={target}", {"token": current_code(device), "next": target})
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.parametrize("target", ["//evil.example/", None])
def test_a_staff_sign_in_with_no_next_or_a_refused_one_lands_in_the_admin(client, staff_user, target):
    """Django's default landing page, /accounts/profile/, is no page here: staff met a 404."""
    device = authenticator(staff_user)
    data = {"username": "li-staff", "password": PASSWORD, **({"next": target} if target else {})}
    response = client.post("/admin/login/", data)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    second_step = client.get("/admin/")
    assert second_step.status_code == 302 and second_step["Location"].startswith("/accounts/2fa/verify/")
    response = client.post(second_step["Location"], {"token": current_code(device), "next": "/admin/"})
    assert response["Location"] == "/admin/" and client.get("/admin/").status_code == 200


def test_an_authenticator_set_up_and_never_confirmed_is_pruned_once_its_session_has_ended(
    client, staff_user, clock, settings
):
    """Each setup page keeps a pending authenticator (with its secret) for its session; one
    abandoned stayed in the database for good."""
    password_login(client, "li-staff")
    client.get("/accounts/2fa/setup/?next=/admin/")
    pending = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    bound = authenticator(get_user_model().objects.create_user("wang", password="x"))
    out = io.StringIO()
    clock.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
    call_command("prune_pending_authenticators", stdout=out)
    assert TOTPDevice.objects.filter(pk=pending.pk).exists()  # its session may still confirm it
    clock.shift(dt.timedelta(seconds=120))
    call_command("prune_pending_authenticators", stdout=out)
    assert not TOTPDevice.objects.filter(pk=pending.pk).exists()
    assert TOTPDevice.objects.filter(pk=bound.pk).exists()  # a confirmed one stays, however old
    assert out.getvalue().splitlines() == ["已删除 0 个未完成绑定的身份验证器。", "已删除 1 个未完成绑定的身份验证器。"]
