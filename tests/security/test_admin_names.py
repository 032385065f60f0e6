"""Every name the admin shows staff is Chinese: the sign-in libraries' models (django-axes,
django-otp) ship only English, and their pages sat among Chinese ones as "Axes", "Otp_Totp",
"access attempts", "Identity" (security/apps.py, security/admin.py, locale/zh_Hans)."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.utils import translation

from tests.staff import sign_in_staff

HAN = re.compile(r"[\u4e00-\u9fff]")
# Names that are the same in Chinese.
SAME_IN_CHINESE = {"ID"}


def _names(model, model_admin, request):
    """(where, text) for each name a model's admin pages show."""
    meta = model._meta
    yield "app", meta.app_config.verbose_name
    yield "model", meta.verbose_name
    yield "model (plural)", meta.verbose_name_plural
    for name in model_admin.get_list_display(request):
        if name != "action_checkbox":
            yield f"column {name}", label_for_field(name, model, model_admin)
    for spec in model_admin.get_changelist_instance(request).filter_specs:
        yield f"filter {type(spec).__name__}", spec.title
    for name, (_, _, description) in model_admin.get_actions(request).items():
        yield f"action {name}", description % {"verbose_name_plural": meta.verbose_name_plural}
    if model_admin.search_fields:
        yield "search help", model_admin.search_help_text or "（无）"
    for title, _options in model_admin.get_fieldsets(request):
        if title:
            yield "fieldset", title
    form = model_admin.get_form(request)()
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        yield f"field {name}", field.label
        if field.help_text:
            yield f"help {name}", field.help_text


@pytest.mark.django_db
def test_every_name_in_the_admin_is_chinese():
    user = get_user_model().objects.create_superuser("admin-names", "names@example.com", "x")
    request = RequestFactory().get("/admin/")
    request.user = user
    english = []
    with translation.override("zh-hans"):
        for model, model_admin in admin.site._registry.items():
            for where, text in _names(model, model_admin, request):
                text = str(text)
                if text and text not in SAME_IN_CHINESE and not HAN.search(text):
                    english.append(f"{model._meta.label} {where}: {text}")
    assert english == [], "\n".join(english)


def test_the_sign_in_libraries_pages_read_in_chinese(client, db):
    sign_in_staff(client, get_user_model().objects.create_superuser("li-admin", "li@example.com", "x"))
    index = client.get("/admin/").content.decode()
    for name in ("登录失败与锁定", "登录失败记录", "身份验证器", "恢复码组"):
        assert name in index
    for english in ("Axes", "Otp_Totp", "Otp_Static", "access attempts", "TOTP devices", "static devices"):
        assert english not in index
    # Logs the site does not keep are not offered as empty pages.
    assert "/admin/axes/accesslog/" not in index
    assert "/admin/axes/accessfailurelog/" not in index
    add = client.get("/admin/otp_totp/totpdevice/add/").content.decode()
    for name in ("账号与名称", "验证码位数", "每个验证码的有效时长（秒）。"):
        assert name in add
    for english in ("Identity", "Timestamps", "The time step in seconds."):
        assert english not in add


def test_every_string_of_djangos_admin_templates_reads_in_chinese():
    """Django's Chinese catalog lacks a few (the sidebar's hidden table headers “Model name”,
    the “Error:” read before each error): screen readers read them out in English."""
    from pathlib import Path

    import django
    import simple_history
    from django.utils.translation import gettext

    # The admin's and simple-history's (the history pages: “Changes” was its column's header).
    folders = [Path(django.__file__).parent / "contrib" / "admin", Path(simple_history.__file__).parent]
    asked = {
        match.group(1) or match.group(2)
        for folder in folders
        for path in (folder / "templates").rglob("*.html")
        for match in re.finditer(r"""\{% (?:translate|trans) (?:'([^']+)'|"([^"]+)")""", path.read_text())
    }
    with translation.override("zh-hans"):
        english = sorted(text for text in asked if not HAN.search(gettext(text)) and text not in SAME_IN_CHINESE)
    assert len(asked) > 50 and english == []


def test_djangos_form_messages_read_as_chinese_staff_and_readers_write_it():
    """“确保该变量包含不超过 50 字符 (目前字符数 60)。”, “确认总共不超过 18 个数字.”, “选择一个有效的
    选项： 该选择不在可用的选项中。” (a tester's find): reworded in the project's catalog."""
    from django import forms

    def refusal(field, value):
        with translation.override("zh-hans"):
            try:
                field.clean(value)
            except forms.ValidationError as error:
                return error.messages[0]

    assert refusal(forms.CharField(max_length=50), "字" * 60) == "不能超过 50 个字（现有 60 个）。"
    assert refusal(forms.DecimalField(max_digits=18, decimal_places=2), "1" * 19) == "数字总共不能超过 18 位。"
    assert refusal(forms.ChoiceField(choices=[("a", "甲")]), "b") == "请选择有效的选项：b 不在可选范围内。"
