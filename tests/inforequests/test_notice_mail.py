"""An applicant's notice as mailed: signed and dated as printed, and saying how to follow the
case at the site's configured address (never a localhost link, never the 查询码)."""

import datetime as dt

import pytest
from django.core import mail

from .factories import PERSON_ID, PHONE, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]
D = dt.date


def _receipt_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(received_on=D(2026, 11, 2))
    (message,) = [m for m in mail.outbox if case.number in m.subject]
    return case, message


def _site(domain):
    from portal.models import SiteSettings

    SiteSettings.objects.update_or_create(
        pk=1,
        defaults={"site_name": "某区人民政府", "site_domain": domain, "site_id_code": "1", "sponsor": "某区"},
    )


@pytest.mark.parametrize("domain", ["www.example.gov.cn", "https://www.example.gov.cn/"])
def test_the_mail_is_signed_and_dated_as_the_notice(django_capture_on_commit_callbacks, domain):
    # The address is the site's 网站域名 as staff keep it in 网站设置, typed either way.
    _site(domain)
    case, message = _receipt_mail(django_capture_on_commit_callbacks)
    assert f"\n{case.agency.name}\n2026年11月2日\n" in message.body
    assert "https://www.example.gov.cn/disclosures/apply/status/" in message.body
    assert "查询码" in message.body and "后4位" in message.body
    assert "localhost" not in message.body and "127.0.0.1" not in message.body
    assert PERSON_ID not in message.body and PHONE not in message.body


def test_without_a_site_address_the_mail_names_the_page_not_a_link(django_capture_on_commit_callbacks):
    _, message = _receipt_mail(django_capture_on_commit_callbacks)
    assert "依申请公开—办理进度查询”页面" in message.body and "http" not in message.body
