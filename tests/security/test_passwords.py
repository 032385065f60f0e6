"""Password rules (等保 2.0 身份鉴别): 12+ characters, 3 of 4 character classes, not like the
username, not a common password; applied wherever a password is set."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password, message",
    [
        ("Gd-2026-ok", "至少需要 12 个字符"),
        ("guandudistrictdocs", "至少 3 类"),
        ("guandu-district-docs", "至少 3 类"),  # two classes: lower case and symbols
        ("wangwei2026!!", "太相似"),
        ("Qwerty123456", "太常见"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    user = get_user_model()(username="wangwei")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any(message in text for text in refused.value.messages), refused.value.messages


@pytest.mark.parametrize(
    "password", ["Guandu-2026-docs", "guandu-2026-docs", "GuanduDistrict2026", "官渡区政务公开Ab1!x"]
)
def test_strong_passwords_pass(password):
    validate_password(password, get_user_model()(username="wangwei"))


def test_the_member_password_change_form_applies_the_rules(client):
    user = get_user_model().objects.create_user("member-qian", password="Guandu-2026-docs")
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "Guandu-2026-docs",
            "new_password1": "guandudistrictdocs",
            "new_password2": "guandudistrictdocs",
        },
    )
    assert response.status_code == 200 and "至少 3 类" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Guandu-2026-docs")


@pytest.mark.parametrize("path", ["/accounts/password_change/", "/admin/password_change/"])
def test_a_session_left_open_cannot_guess_the_password_through_the_change_form(client, path):
    """The form asks for the current password: wrong ones count like failed sign-ins (the
    lockout, the audit log), else whoever finds a signed-in browser may guess it without end."""
    from audit.models import Action, AuditEntry
    from tests.staff import sign_in_staff

    user = get_user_model().objects.create_user("qian-staff", password="Guandu-2026-docs", is_staff=True)
    sign_in_staff(client, user)
    new = {"new_password1": "Another-Pass-2026x", "new_password2": "Another-Pass-2026x"}
    first = client.post(path, {"old_password": "Guess-number-0", **new})
    assert first.status_code == 200 and "旧密码" in first.content.decode()
    for number in range(1, 5):
        client.post(path, {"old_password": f"Guess-number-{number}", **new})
    right = client.post(path, {"old_password": "Guandu-2026-docs", **new})
    assert right.status_code == 429 and "暂停登录" in right.content.decode()
    user.refresh_from_db()
    assert user.check_password("Guandu-2026-docs")
    assert AuditEntry.objects.filter(action=Action.LOGIN_FAILED, actor_name="qian-staff").count() == 6


@pytest.mark.parametrize("password", ["admin2026", "", "guandudistrictdocs"])
def test_createsuperuser_without_input_refuses_a_password_breaking_the_rules(monkeypatch, password):
    """Interactive createsuperuser checks the rules; with --noinput Django takes
    DJANGO_SUPERUSER_PASSWORD as it is (an empty one too)."""
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    with pytest.raises(CommandError) as refused:
        call_command("createsuperuser", "--noinput", username="admin", email="admin@example.gov.cn", verbosity=0)
    message = str(refused.value)
    assert "DJANGO_SUPERUSER_PASSWORD" in message and "\n" not in message
    assert "至少" in message
    assert not get_user_model().objects.filter(username="admin").exists()


def test_createsuperuser_without_input_checks_the_password_against_the_name_from_the_environment(monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "wangwei")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "wangwei@example.gov.cn")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "wangwei2026!!")
    with pytest.raises(CommandError, match="太相似"):
        call_command("createsuperuser", "--noinput", verbosity=0)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Guandu-2026-docs")
    call_command("createsuperuser", "--noinput", verbosity=0)
    assert get_user_model().objects.get(username="wangwei").check_password("Guandu-2026-docs")
