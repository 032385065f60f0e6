"""A district shows its own logo in every header: chosen in 网站设置, checked by its bytes, sent
under a name new with every upload (so browsers keep it, and a replaced one shows at once), and
never instead of the site's name, which stays the link's text. The 党政机关网站标识's picture
is taken the same way and shown in the footer's link to its certificate."""

import io
import mimetypes
import random
import re
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.concurrency import VERSION_FIELD, current_version
from portal.models import SiteSettings
from security.middleware import LAST_ACTIVITY_KEY
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
FORM_FIELDS = [
    "site_name",
    "district_name",
    "site_domain",
    "site_id_code",
    "sponsor",
    "organizer",
    "address",
    "phone",
    "operator",
    "operator_phone",
    "hotline_label",
    "hotline",
    "icp_number",
    "police_record_number",
    "party_government_mark_url",
]


def picture(name="logo.png", kind="PNG", size=(120, 80)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def noise():
    """A picture that no compression makes small: 400×400 pixels of random colours."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (400, 400), random.Random(7).randbytes(400 * 400 * 3)).save(buffer, "PNG")
    return SimpleUploadedFile("noise.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def site(seed):
    return SiteSettings.objects.get()


@pytest.fixture
def staff(client, django_user_model):
    sign_in_staff(client, django_user_model.objects.create_superuser("webmaster", password="x"))
    return client


def change(client, site, **changes):
    site.refresh_from_db()
    data = {name: getattr(site, name) for name in FORM_FIELDS}
    data[VERSION_FIELD] = current_version(site)
    data.update(changes)
    return client.post(f"/admin/portal/sitesettings/{site.pk}/change/", data)


def header_logo(client):
    html = client.get("/").content.decode()
    return re.search(r'<p class="site-title"><a href="/">(<img [^>]*>)?([^<]*)</a>', html)


def test_a_chosen_logo_shows_before_the_name_and_is_sent_and_kept_by_browsers(client, staff, site):
    assert header_logo(client).group(1) is None
    assert '<link rel="icon" href="data:,">' in client.get("/").content.decode()
    response = change(client, site, logo=picture())
    assert response.status_code == 302, response.content.decode()
    site.refresh_from_db()
    assert (site.logo_width, site.logo_height) == (120, 80)
    logo, name = header_logo(client).groups()
    assert logo == f'<img class="site-logo" src="{site.logo_url}" alt="" width="120" height="80">'
    assert name == site.site_name  # the link still says where it goes
    assert f'<link rel="icon" href="{site.logo_url}">' in client.get("/").content.decode()
    sent = client.get(site.logo_url)
    assert sent.status_code == 200 and sent["Content-Type"] == "image/png"
    assert sent["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(sent.streaming_content))).size == (120, 80)


def test_a_replaced_logo_shows_at_once_and_the_old_one_is_no_longer_sent(client, staff, site):
    change(client, site, logo=picture())
    site.refresh_from_db()
    first = site.logo_url
    change(client, site, logo=picture("新标志.jpg", "JPEG", (90, 90)))
    site.refresh_from_db()
    assert site.logo_url != first and site.logo_url.endswith(".jpg")
    assert header_logo(client).group(1).startswith(f'<img class="site-logo" src="{site.logo_url}"')
    assert client.get(first).status_code == 404
    assert client.get(site.logo_url)["Content-Type"] == "image/jpeg"
    change(client, site, **{"logo-clear": "on"})
    assert header_logo(client).group(1) is None
    assert client.get(site.logo_url).status_code == 404


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "请上传一张有效的图片。您所上传的文件不是图片或者是已损坏的图片。",
        ),
        (picture("logo.gif", "GIF"), "网站标志须为PNG、JPEG或WebP格式的图片，所选文件不是。请重新选择。"),
        (picture("logo.png", "JPEG"), "所选文件是JPEG图片，扩展名却是“.png”。请改为.jpg后重新选择。"),
        # Not Django's own message, which lists some eighty suffixes (.gif and .pdf among them)
        # as allowed.
        (picture("logo"), "所选文件是PNG图片，扩展名却是“（无）”。请改为.png后重新选择。"),
        (picture("logo.txt"), "所选文件是PNG图片，扩展名却是“.txt”。请改为.png后重新选择。"),
        (picture(size=(1200, 300)), "网站标志每边不能超过1000像素，所选图片为1200×300。请缩小后重新选择。"),
        (noise(), "网站标志不能超过200 KB，所选文件为470 KB。请缩小或压缩后重新选择。"),
    ],
    ids=["not a picture", "gif", "wrong extension", "no extension", "another extension", "too wide", "too big"],
)
def test_a_logo_that_cannot_be_shown_is_refused_beside_the_field_with_what_was_typed_kept(
    client, staff, site, upload, message
):
    response = change(client, site, logo=upload, sponsor="西山区人民政府办公室（新）")
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html.replace("&quot;", '"')
    assert "允许的扩展为" not in html
    assert 'value="西山区人民政府办公室（新）"' in html
    site.refresh_from_db()
    assert not site.logo and site.sponsor != "西山区人民政府办公室（新）"


def test_a_logo_chosen_in_a_form_refused_for_another_field_is_kept_for_the_next_save(client, staff, site):
    refused = change(client, site, logo=picture(), site_name="")
    html = refused.content.decode()
    assert refused.status_code == 200 and "logo-kept" in html
    token = re.search(r'name="logo-kept" value="([^"]+)"', html).group(1)
    saved = change(client, site, **{"logo-kept": token})
    assert saved.status_code == 302
    site.refresh_from_db()
    assert site.logo and (site.logo_width, site.logo_height) == (120, 80)


def test_no_name_but_the_current_pictures_is_sent(client, staff, site):
    change(client, site, logo=picture())
    assert client.get("/site-images/logo.png").status_code == 404
    assert client.get("/site-images/..%2Fkept-uploads%2Fx.png").status_code == 404


MARK_URL = "https://bszs.conac.cn/sitename?method=show&id=0123456789ABCDEF"


def footer_mark(client):
    html = client.get("/disclosures/").content.decode()
    return re.search(r'<a href="https://bszs\.conac\.cn/[^"]*" rel="noopener">(.*?)</a>', html)


def test_the_party_government_marks_picture_opens_its_certificate_in_every_footer(client, staff, site):
    response = change(client, site, party_government_mark_url=MARK_URL, party_government_mark_image=picture("red.png"))
    assert response.status_code == 302, response.content.decode()
    site.refresh_from_db()
    url = site.party_government_mark_image_url
    assert footer_mark(client).group(1) == (
        f'<img class="party-government-mark" src="{url}" alt="党政机关网站标识" width="120" height="80">'
        # what 纯文本 shows in its place: the link would otherwise be empty there
        '<span class="alt-text">［图片：党政机关网站标识］</span>'
    )
    assert client.get(url)["Content-Type"] == "image/png"
    change(client, site, **{"party_government_mark_image-clear": "on"})
    assert footer_mark(client).group(1) == "党政机关网站标识"  # the certificate's link stays, as text
    assert client.get(url).status_code == 404


def test_a_marks_picture_without_its_certificate_is_refused_beside_the_address(client, staff, site):
    response = change(client, site, party_government_mark_image=picture("red.png"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "有标识图片时请填写证书地址：页脚的标识须能点开证书。" in html
    assert "party_government_mark_image-kept" in html  # the picture waits for the address
    site.refresh_from_db()
    assert not site.party_government_mark_image


def test_a_picture_sent_with_a_staff_members_session_cookie_is_kept_by_no_shared_cache(client, staff, site):
    change(client, site, logo=picture())
    site.refresh_from_db()
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - 120  # written again at this request (once a minute)
    session.save()
    sent = client.get(site.logo_url)
    assert sent.status_code == 200 and settings.SESSION_COOKIE_NAME in sent.cookies
    # A CDN or proxy keeping it would hand the staff member's session to every reader.
    assert sorted(sent["Cache-Control"].split(", ")) == ["immutable", "max-age=31536000", "private"]
    assert client.get(site.logo_url)["Cache-Control"] == "public, max-age=31536000, immutable"  # no cookie


def test_the_settings_page_links_each_current_picture_where_it_is_sent(client, staff, site):
    change(
        client, site, logo=picture(), party_government_mark_url=MARK_URL, party_government_mark_image=picture("red.png")
    )
    site.refresh_from_db()
    page = client.get(f"/admin/portal/sitesettings/{site.pk}/change/").content.decode()
    for url in (site.logo_url, site.party_government_mark_image_url):
        assert f'<a href="{url}">' in page  # 目前: the picture, not the storage's unserved /media/ address
        assert client.get(url).status_code == 200
    assert "/media/" not in page


def test_a_webp_logo_is_sent_as_webp_on_a_server_without_a_system_table_of_types(client, staff, site, monkeypatch):
    # Python 3.11's own table has no WebP; a slim container has no /etc/mime.types to add it.
    monkeypatch.setattr(mimetypes, "guess_type", lambda *args, **kwargs: (None, None))
    response = change(client, site, logo=picture("logo.webp", "WEBP"))
    assert response.status_code == 302, response.content.decode()
    site.refresh_from_db()
    assert client.get(site.logo_url)["Content-Type"] == "image/webp"


def test_a_phone_cameras_jpeg_with_several_pictures_is_taken_as_a_jpeg(client, staff, site):
    first, second = Image.new("RGB", (120, 80), (200, 30, 30)), Image.new("RGB", (120, 80), (30, 30, 200))
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    response = change(client, site, logo=SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg"))
    assert response.status_code == 302, response.content.decode()
    site.refresh_from_db()
    assert client.get(site.logo_url)["Content-Type"] == "image/jpeg"
