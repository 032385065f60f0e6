"""The first authenticator needs an enrolment code besides the password: whoever holds a leaked
password must not bind their authenticator before the owner does. The code reaches the owner
by another path: mailed to the account's address, or issued by an administrator (the admin,
or `manage.py issue_enrolment_code` at the shell) and handed over in person."""

import base64
import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEntry
from security.models import EnrolmentCode
from tests.html import page_title
from tests.security.conftest import PASSWORD, password_step
from tests.staff import authenticator, current_code, enrolment_code, sign_in_staff

pytestmark = pytest.mark.django_db
SETUP = "/accounts/2fa/setup/"


def shown_secret(client):
    page = client.get(SETUP).content.decode()
    secret = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def pending_device(client, user):
    """The authenticator the page shows this browser the secret of."""
    key = shown_secret(client)
    (device,) = [d for d in TOTPDevice.objects.filter(user=user, confirmed=False) if d.bin_key == key]
    return device


def bind(client, user, code, **extra):
    device = pending_device(client, user)
    return client.post(SETUP, {"enrolment_code": code, "token": current_code(device), **extra})


def bound(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def error_beside(response, field):
    """The errors shown with `field` (the form's own, as the page renders them beside it)."""
    return " ".join(response.context["form"].errors.get(field, []))


def test_the_password_alone_binds_no_authenticator(client, staff_user, clock):
    password_step(client)
    page = client.get(SETUP).content.decode()
    assert 'name="enrolment_code"' in page and "绑定验证码" in page
    device = pending_device(client, staff_user)

    response = client.post(SETUP, {"token": current_code(device)})
    assert response.status_code == 200 and "这个字段是必填项" in error_beside(response, "enrolment_code")
    response = client.post(SETUP, {"enrolment_code": "", "token": current_code(device)})
    assert "这个字段是必填项" in error_beside(response, "enrolment_code")
    assert f'value="{current_code(device)}"' in response.content.decode()  # what was typed stays
    assert not bound(staff_user) and client.get("/admin/").status_code == 302


def test_a_wrong_code_is_refused_and_five_void_it(client, staff_user, clock):
    code = enrolment_code(staff_user)
    wrong = "12345678" if code != "12345678" else "87654321"
    password_step(client)
    response = bind(client, staff_user, wrong)
    assert "绑定验证码不正确，还可再试 4 次" in error_beside(response, "enrolment_code")
    assert not error_beside(response, "token") and not bound(staff_user)
    assert bind(client, staff_user, "1234").context["form"].errors["enrolment_code"] == [
        "绑定验证码是 8 位数字，请核对后重新输入。"
    ]
    for _ in range(4):
        response = bind(client, staff_user, wrong)
    assert "输错次数过多，已作废" in error_beside(response, "enrolment_code")
    response = bind(client, staff_user, code)  # the right one, too late
    assert "已失效" in error_beside(response, "enrolment_code") and not bound(staff_user)
    entries = AuditEntry.objects.filter(action=Action.OTP_FAILED, detail="绑定验证码错误")
    assert entries.count() == 5 and not any(code in e.detail or wrong in e.detail for e in entries)


def test_an_expired_code_is_refused(client, staff_user, clock):
    code = enrolment_code(staff_user)  # an administrator's: 72 hours
    clock.shift(dt.timedelta(hours=72, seconds=1))
    password_step(client)
    response = bind(client, staff_user, code)
    assert "已失效" in error_beside(response, "enrolment_code") and not bound(staff_user)


def test_the_right_code_binds_once_and_is_used_up(client, staff_user, clock):
    code = enrolment_code(staff_user)
    password_step(client)
    response = bind(client, staff_user, code, next="/admin/")
    assert "只显示这一次" in response.content.decode() and bound(staff_user)
    assert client.get("/admin/").status_code == 200
    assert not EnrolmentCode.objects.exists()

    # The phone lost, the administrator removes the devices: the used code binds nothing again.
    for device in [*TOTPDevice.objects.filter(user=staff_user), *StaticDevice.objects.filter(user=staff_user)]:
        device.delete()
    again = password_step(Client())
    response = bind(again, staff_user, code)
    assert "已失效" in error_beside(response, "enrolment_code") and not bound(staff_user)


def test_a_wrong_authenticator_code_keeps_the_enrolment_code(client, staff_user, clock):
    code = enrolment_code(staff_user)
    password_step(client)
    device = pending_device(client, staff_user)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    response = client.post(SETUP, {"enrolment_code": code, "token": wrong})
    assert "验证码不正确" in error_beside(response, "token") and not error_beside(response, "enrolment_code")
    clock.shift(dt.timedelta(seconds=2))
    assert "只显示这一次" in bind(client, staff_user, code).content.decode()


def test_a_new_code_makes_the_one_before_stop_working(client, staff_user, clock):
    old = enrolment_code(staff_user)
    new = enrolment_code(staff_user)
    password_step(client)
    if old != new:
        assert "绑定验证码不正确" in error_beside(bind(client, staff_user, old), "enrolment_code")
        assert not bound(staff_user)
    assert "只显示这一次" in bind(client, staff_user, new).content.decode()


def test_someone_else_signed_in_with_the_password_never_sees_the_secret_the_owner_binds(client, staff_user, clock):
    """Each session sets up an authenticator of its own: a secret read by whoever else had the
    password is not the one the owner then binds with the code."""
    intruder = password_step(Client())
    seen = shown_secret(intruder)
    password_step(client)
    assert shown_secret(client) != seen
    assert "只显示这一次" in bind(client, staff_user, enrolment_code(staff_user)).content.decode()
    assert TOTPDevice.objects.get(user=staff_user).bin_key != seen  # binding one removes the others


def test_the_code_is_mailed_to_the_accounts_own_address_only(
    client, staff_user, clock, mailoutbox, django_capture_on_commit_callbacks
):
    staff_user.first_name, staff_user.last_name = "丽", "李"
    staff_user.save()
    get_user_model().objects.create_user("other-staff", "other@example.com", PASSWORD, is_staff=True)
    password_step(client)
    page = client.get(SETUP).content.decode()
    assert "l***@example.com" in page and "li@example.com" not in page  # masked for whoever has the password
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETUP, {"send_code": "1", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == f"{SETUP}?next=/admin/"
    (mail,) = mailoutbox
    assert mail.to == ["li@example.com"] and not mail.cc and not mail.bcc and not mail.reply_to
    (code,) = re.findall(r"\b\d{8}\b", mail.body)
    for personal in ["li-staff", "li@example.com", "李", "丽", "other", "127.0.0.1"]:
        assert personal not in mail.subject + mail.body
    assert "15 分钟内有效" in mail.body and "联系系统管理员" in mail.body
    assert "l***@example.com，08:13 前有效" in client.get(SETUP).content.decode()
    entry = AuditEntry.objects.get(action=Action.ENROLMENT_CODE_ISSUED)
    assert entry.detail == "邮件" and code not in entry.detail

    assert "只显示这一次" in bind(client, staff_user, code).content.decode()
    assert [m.subject for m in mailoutbox[1:]] == []  # the notice comes after the commit, not captured here


def test_a_mailed_code_lasts_fifteen_minutes(client, staff_user, clock, mailoutbox, django_capture_on_commit_callbacks):
    password_step(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SETUP, {"send_code": "1"})
    (code,) = re.findall(r"\b\d{8}\b", mailoutbox[0].body)
    clock.shift(dt.timedelta(minutes=10))
    client.get(SETUP)  # still at work: not signed out for idling
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    assert "已失效" in error_beside(bind(client, staff_user, code), "enrolment_code")


@override_settings(SECURITY_RATE_LIMITS={"enrol_mail_account": (2, 3600)})
def test_mailing_codes_is_rate_limited(client, staff_user, clock, mailoutbox, django_capture_on_commit_callbacks):
    password_step(client)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            response = client.post(SETUP, {"send_code": "1"})
    assert response.status_code == 429 and "发送过于频繁" in error_beside(response, "enrolment_code")
    assert len(mailoutbox) == 2
    # Nothing was typed: the title a screen reader says first tells what happened, not 填写有误.
    title = re.search(r"<title>(.*?)</title>", response.content.decode()).group(1)
    assert title.startswith("未能发送绑定验证码 - ") and "填写有误" not in title


def test_an_account_without_an_address_is_told_to_ask_an_administrator(client, clock, mailoutbox):
    user = get_user_model().objects.create_user("no-mail", password=PASSWORD, is_staff=True)
    password_step(client, "no-mail")
    page = client.get(SETUP).content.decode()
    assert "没有登记电子邮箱" in page and 'name="send_code"' not in page
    response = client.post(SETUP, {"send_code": "1"})
    assert response.status_code == 400 and "向系统管理员索取" in error_beside(response, "enrolment_code")
    assert not mailoutbox and not EnrolmentCode.objects.filter(user=user).exists()


def test_an_administrator_issues_a_code_shown_once(client, staff_user, clock):
    newcomer = get_user_model().objects.create_user("new-clerk", password=PASSWORD, is_staff=True)
    enrolled = get_user_model().objects.create_user("old-clerk", password=PASSWORD, is_staff=True)
    authenticator(enrolled)
    sign_in_staff(client, staff_user)
    response = client.post(
        "/admin/auth/user/",
        {"action": "issue_enrolment_code", "_selected_action": [newcomer.pk, enrolled.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    (code,) = re.findall(r"<td><code>(\d{8})</code></td>", page)
    assert "new-clerk" in page and "未签发：old-clerk 已绑定身份验证器" in page
    row = EnrolmentCode.objects.get()
    assert row.user == newcomer and row.channel == "admin" and code not in row.digest
    entry = AuditEntry.objects.get(action=Action.ENROLMENT_CODE_ISSUED)
    assert (entry.actor_name, entry.detail) == ("li-staff", "管理员签发") and code not in entry.detail

    owner = password_step(Client(), "new-clerk")
    assert "只显示这一次" in bind(owner, newcomer, code).content.decode()


def test_only_a_superuser_issues_a_code_for_a_superuser(client, staff_user, clock):
    from django.contrib.auth.models import Permission

    clerk_admin = get_user_model().objects.create_user("user-admin", password=PASSWORD, is_staff=True)
    clerk_admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    get_user_model().objects.filter(pk=staff_user.pk).update(email="")
    sign_in_staff(client, clerk_admin)
    response = client.post(
        "/admin/auth/user/", {"action": "issue_enrolment_code", "_selected_action": [staff_user.pk]}, follow=True
    )
    assert "只能由超级用户签发" in response.content.decode() and not EnrolmentCode.objects.exists()


def test_the_command_prints_a_code_for_the_first_superuser(staff_user, clock):
    out = io.StringIO()
    call_command("issue_enrolment_code", "li-staff", stdout=out)
    (code,) = re.findall(r"\b\d{8}\b", out.getvalue())
    assert "2027-01-04 07:58" in out.getvalue()  # 72 hours, Beijing time
    assert EnrolmentCode.objects.get().channel == "command"
    assert "只显示这一次" in bind(password_step(Client()), staff_user, code).content.decode()

    with pytest.raises(CommandError, match="已绑定身份验证器"):
        call_command("issue_enrolment_code", "li-staff", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("issue_enrolment_code", "nobody", stdout=io.StringIO())
    out = io.StringIO()
    call_command("issue_enrolment_code", "li-staff", "--reset", stdout=out)
    assert not bound(staff_user) and not StaticDevice.objects.filter(user=staff_user).exists()
    assert len(re.findall(r"\b\d{8}\b", out.getvalue())) == 1


def test_createsuperuser_says_how_to_get_the_code(monkeypatch, db):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("createsuperuser", "--noinput", username="admin", email="admin@example.gov.cn", stdout=out)
    assert "manage.py issue_enrolment_code" in out.getvalue()


def test_a_recovery_code_still_lets_the_owner_bind_a_new_phone(client, staff_user, clock):
    """The phone lost, the recovery codes kept: the second step passed with one, a new
    authenticator needs no enrolment code (as before)."""
    authenticator(staff_user)
    StaticDevice.objects.create(user=staff_user, name="恢复码").token_set.create(token="k7m2p9q4")
    password_step(client)
    assert client.post("/accounts/2fa/verify/", {"token": "k7m2p9q4"}).status_code == 302
    page = client.get(SETUP).content.decode()
    assert 'name="enrolment_code"' not in page
    device = pending_device(client, staff_user)
    assert "只显示这一次" in client.post(SETUP, {"token": current_code(device)}).content.decode()


def test_codes_typed_with_full_width_digits_bind(client, staff_user, clock):
    """A Chinese input method left in full-width mode types １２３４５６７８: the same code, not a
    wrong try that uses up one of the five."""
    code = enrolment_code(staff_user)
    password_step(client)
    device = pending_device(client, staff_user)
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    response = client.post(
        SETUP, {"enrolment_code": code.translate(wide), "token": current_code(device).translate(wide)}
    )
    assert "只显示这一次" in response.content.decode() and bound(staff_user)


def test_the_second_step_pages_name_themselves_and_a_mailed_code_is_announced_first(
    client, staff_user, clock, django_capture_on_commit_callbacks
):
    """The <title> is what a screen reader says first when a page loads: each page of the second
    step is named there, and after 发送绑定验证码 the page (reloaded, the focus on its start) says
    the code went before anything else; a refusal says when to try again."""
    password_step(client)
    assert page_title(client.get(SETUP)).startswith("绑定身份验证器 - ")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(SETUP, {"send_code": "1"}, follow=True)
    assert page_title(sent).startswith("绑定验证码已发送 - 绑定身份验证器 - ")
    for _ in range(5):
        refused = client.post(SETUP, {"send_code": "1"})
    assert refused.status_code == 429 and "请一小时后再试" in error_beside(refused, "enrolment_code")

    enrolled = Client()
    authenticator(get_user_model().objects.create_user("enrolled", "e@example.com", PASSWORD, is_staff=True))
    password_step(enrolled, "enrolled")
    assert page_title(enrolled.get("/accounts/2fa/verify/")).startswith("两步验证 - ")
