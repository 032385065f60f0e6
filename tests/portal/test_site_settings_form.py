"""网站设置 refuses a 网站标识码 that cannot be the one issued (ten digits or letters) beside the
field, saying what is expected, with everything typed kept; one typed with full-width digits or
spaces is stored as the code itself."""

import re

import pytest

from portal.models import SiteSettings
from tests.portal.test_site_images import change, picture
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(seed):
    return SiteSettings.objects.get()


@pytest.fixture
def staff(client, django_user_model):
    sign_in_staff(client, django_user_model.objects.create_superuser("webmaster", password="x"))
    return client


def error_beside(html, field):
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>([^<]*)</li></ul>', html)
    return found and found.group(1)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("53011100", "网站标识码为10位数字或字母，如 5301110005，请照发放的标识码填写；所填的是8位。"),
        ("530111000512", "网站标识码为10位数字或字母，如 5301110005，请照发放的标识码填写；所填的是12位。"),
        ("5301-11000", "网站标识码为10位数字或字母，如 5301110005，请照发放的标识码填写；所填的含“-”。"),
        ("５３０１１１０００Ｏ号", "网站标识码为10位数字或字母，如 5301110005，请照发放的标识码填写；所填的含“号”。"),
    ],
    ids=["short", "long", "hyphen", "chinese"],
)
def test_a_site_id_code_that_cannot_be_the_issued_one_is_refused_beside_it_with_what_was_typed_kept(
    client, staff, site, typed, message
):
    response = change(client, site, site_id_code=typed, sponsor="官渡区人民政府办公室（新）", logo=picture())
    html = response.content.decode()
    assert response.status_code == 200
    assert error_beside(html, "site_id_code") == message
    assert f'value="{typed}"' in html and 'value="官渡区人民政府办公室（新）"' in html
    assert "logo-kept" in html  # the chosen logo waits for the next save
    site.refresh_from_db()
    assert site.site_id_code == "5301110005" and not site.logo


@pytest.mark.parametrize("typed", ["５３０１１１０００６", " 5301 1100 06 ", "5301\u30001100\u300006"])
def test_a_site_id_code_typed_full_width_or_spaced_is_stored_as_the_code(client, staff, site, typed):
    response = change(client, site, site_id_code=typed)
    assert response.status_code == 302, error_beside(response.content.decode(), "site_id_code")
    site.refresh_from_db()
    assert site.site_id_code == "5301110006"
    assert 'content="5301110006"' in client.get("/").content.decode()


def test_a_state_council_departments_code_with_its_letters_is_taken_as_issued(client, staff, site):
    assert change(client, site, site_id_code="bm01000001").status_code == 302
    site.refresh_from_db()
    assert site.site_id_code == "bm01000001"


def test_the_seeds_settings_pass_the_checks_unchanged(site):
    before = {field.name: getattr(site, field.name) for field in SiteSettings._meta.fields}
    site.full_clean()
    assert {field.name: getattr(site, field.name) for field in SiteSettings._meta.fields} == before
