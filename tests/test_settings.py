"""Production settings fail fast and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

ROOT = settings.BASE_DIR


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_prod_settings_fail_fast_without_secret_key():
    result = run_manage(
        "check", env_overrides={"DJANGO_SETTINGS_MODULE": "govportal.settings.prod", "ALLOWED_HOSTS": "example.gov.cn"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def check_deploy(**env):
    return run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=prod_env(**env))


def test_check_deploy_is_clean_under_prod_settings():
    result = check_deploy(DEFAULT_FROM_EMAIL="政府信息公开 <gk@kmgd.gov.cn>")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_names_a_mail_sender_left_at_djangos_default():
    """Notices to applicants went out from webmaster@localhost, which mail servers refuse."""
    result = check_deploy(DEFAULT_FROM_EMAIL="")
    assert result.returncode != 0 and "core.W001" in result.stderr + result.stdout


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"


def prod_env(**overrides):
    return {
        "DJANGO_SETTINGS_MODULE": "govportal.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "www.kmgd.gov.cn",
        **overrides,
    }


def test_a_malformed_number_or_switch_is_named_at_start():
    """`PAGE_CACHE_SECONDS=10m` stopped the start with "invalid literal for int()" and no name;
    `SESSION_COOKIE_SECURE=ture` (a typo) quietly turned secure cookies off."""
    for name, value in [
        ("PAGE_CACHE_SECONDS", "10m"),
        ("REDIS_TIMEOUT_SECONDS", "0,5"),
        ("SESSION_COOKIE_SECURE", "ture"),
    ]:
        result = run_manage("check", env_overrides=prod_env(**{name: value}))
        assert result.returncode != 0, name
        assert f"{name}='{value}'" in result.stderr and "ImproperlyConfigured" in result.stderr, result.stderr[-500:]


def test_every_documented_variable_is_read(tmp_path):
    """KEPT_UPLOAD_HOURS was documented as a setting but never read from the environment."""
    code = "from django.conf import settings as s; print(s.KEPT_UPLOAD_HOURS, s.SESSION_COOKIE_SECURE, s.PAGE_CACHE_SECONDS)"
    result = run_manage(
        "shell",
        "-c",
        code,
        env_overrides=prod_env(KEPT_UPLOAD_HOURS="6", SESSION_COOKIE_SECURE="0", PAGE_CACHE_SECONDS=""),
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.split()[-3:] == ["6", "False", "600"]


def test_an_empty_server_email_is_the_notices_sender_not_an_empty_from():
    """`SERVER_EMAIL=` in an env file sent error mail to ADMINS with an empty From."""
    sender = "政府信息公开 <gk@kmgd.gov.cn>"
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SERVER_EMAIL)",
        env_overrides=prod_env(DEFAULT_FROM_EMAIL=sender, SERVER_EMAIL=""),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == sender  # after the shell's own line
