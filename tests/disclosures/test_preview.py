"""Preview of a record not yet public: the public page as it will look (every reading mode),
marked 预览, for signed-in staff of its agency or whoever holds a signed link until it expires;
never cached, never indexed, never counted as a view."""

import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.utils import timezone

from core import pagecache
from core.roles import ENTRY_CLERK
from disclosures import selectors, services
from disclosures.models import AgencyMembership, DisclosureRecord
from tests.disclosures.factories import OrganizationFactory, PublishedRecordFactory, RecordFactory
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 31, 16, 5, tzinfo=dt.UTC)  # 00:05 on 1 January in Shanghai


@pytest.fixture
def agency():
    return OrganizationFactory(name="昆明市官渡区民政局", org_code="015117762")


@pytest.fixture
def draft(agency):
    return RecordFactory(title="关于社区养老服务的通知（草稿）", publisher=agency, body="<p>草稿正文。</p>")


def clerk_of(organization, username="clerk"):
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True)
    user.groups.add(Group.objects.get(name=ENTRY_CLERK))
    AgencyMembership.objects.create(user=user, organization=organization)
    return user


def url(record, token=None):
    base = f"/disclosures/preview/{record.pk}/"
    return f"{base}?token={token}" if token else base


def assert_private_unindexed_preview(response, record):
    assert response.status_code == 200
    html = response.content.decode()
    assert record.title in html and "<strong>预览</strong>" in html and "【预览】" in html
    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"
    control = response["Cache-Control"]
    assert "no-store" in control and "private" in control and "public" not in control
    assert response.get(pagecache.HIT_HEADER) != "hit"
    return html


def test_staff_of_the_agency_see_the_page_as_it_will_look(client, draft, agency):
    sign_in_staff(client, clerk_of(agency))
    html = assert_private_unindexed_preview(client.get(url(draft)), draft)
    assert "<p>草稿正文。</p>" in html and "（发布时生成）" in html  # the 索引号, given at publication
    assert 'class="record-meta"' in html and "浏览次数:0" in html  # the public page's own parts


def test_staff_of_another_agency_and_unverified_staff_get_nothing(client, draft):
    sign_in_staff(client, clerk_of(OrganizationFactory(name="昆明市官渡区教育体育局"), "other"))
    response = client.get(url(draft))
    assert response.status_code == 404 and draft.title not in response.content.decode()
    # Signed in with a password only (no second step): not a staff sign-in.
    client.logout()
    client.force_login(clerk_of(draft.publisher, "half"))
    assert client.get(url(draft)).status_code == 404


def test_anonymous_readers_are_sent_to_sign_in(client, draft):
    response = client.get(url(draft))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert draft.title not in client.get(url(draft), follow=True).content.decode()


def test_a_signed_link_works_until_it_expires(client, draft, settings):
    assert settings.DISCLOSURE_PREVIEW_LINK_HOURS == 48
    with time_machine.travel(START, tick=False) as clock:
        token = selectors.preview_token(draft)
        assert_private_unindexed_preview(client.get(url(draft, token)), draft)
        clock.shift(dt.timedelta(hours=47, minutes=59))
        assert_private_unindexed_preview(client.get(url(draft, token)), draft)
        clock.shift(dt.timedelta(minutes=2))
        response = client.get(url(draft, token))
        html = response.content.decode()
        assert response.status_code == 403 and "预览链接已过期" in html and draft.title not in html
        assert "no-store" in response["Cache-Control"]


def test_a_signed_link_opens_only_its_own_record_and_only_before_publication(client, draft, agency):
    token = selectors.preview_token(draft)
    other = RecordFactory(title="另一条草稿", publisher=agency)
    assert client.get(url(other, token)).status_code == 404
    assert client.get(url(draft, token[:-2] + "xx")).status_code == 404
    # Under review: still a preview.
    services.record_submit(record=draft, user=clerk_of(agency))
    html = assert_private_unindexed_preview(client.get(url(draft, token)), draft)
    assert "（待审核，待初审）" in html
    # Published: the link leads to the public page; withdrawn, to nothing.
    public = services.record_publish(record=RecordFactory(publisher=agency, title="已发布的通知")).record
    response = client.get(url(public, selectors.preview_token(public)))
    assert response.status_code == 302 and response["Location"] == public.get_absolute_url()
    services.record_withdraw(record=public, reason="测试")
    assert client.get(url(public, selectors.preview_token(public))).status_code == 404


def test_a_scheduled_record_is_previewed_until_its_time(client, agency):
    with time_machine.travel(START, tick=False):
        scheduled = PublishedRecordFactory(
            title="定时发布的通知", publisher=agency, published_at=timezone.now() + dt.timedelta(days=1)
        )
        html = assert_private_unindexed_preview(
            client.get(url(scheduled, selectors.preview_token(scheduled))), scheduled
        )
        assert "定时于 2027-01-02 00:05 发布" in html


def test_a_preview_is_never_counted_or_cached(client, reader_client, draft, agency):
    token = selectors.preview_token(draft)
    for _ in range(3):
        response = reader_client.get(url(draft, token))
        assert response.status_code == 200 and response.get(pagecache.HIT_HEADER) != "hit"
    sign_in_staff(client, clerk_of(agency))
    client.get(url(draft))
    assert services.record_view_counts.pending(draft.pk) == 0
    assert services.record_view_counts_flush() == 0
    assert DisclosureRecord.objects.get(pk=draft.pk).view_count == 0
    # What a preview shows is always the record as it is now.
    draft.title = "改过的标题"
    draft.save()
    assert "改过的标题" in reader_client.get(url(draft, token)).content.decode()


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [("elder=1", 'class="elder'), ("contrast=yb", "contrast-yb"), ("text_only=1", "text-only")],
)
def test_the_preview_is_in_the_readers_mode(client, draft, cookie, expected):
    token = selectors.preview_token(draft)
    client.cookies["reader"] = cookie
    html = assert_private_unindexed_preview(client.get(url(draft, token)), draft)
    assert expected in html
    # The page's own font-size links keep the link working.
    assert f"?size=large&amp;{urlencode({'token': token})}" in html
    assert_private_unindexed_preview(client.get(url(draft, token) + "&size=large"), draft)


def test_a_signed_links_page_opens_the_records_files_with_the_same_link(client, agency):
    """The link's page listed the files (and showed the body's images) that then answered 404."""
    from django.core.files.base import ContentFile

    from disclosures.models import Attachment

    draft = RecordFactory(title="有附件的草稿", publisher=agency)
    attachment = Attachment(record=draft, title="实施方案")
    attachment.file.save("方案.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    draft.body = f'<p>见图：</p><p><img src="{attachment.get_absolute_url()}" alt="示意图"></p>'
    draft.save()
    token = selectors.preview_token(draft)
    with_link = f"{attachment.get_absolute_url()}?{urlencode({'token': token})}"

    html = client.get(url(draft, token)).content.decode()
    assert html.count(with_link.replace("&", "&amp;")) == 2  # the list and the image
    assert client.get(with_link).status_code == 200
    assert client.get(attachment.get_absolute_url()).status_code == 404  # not without the link
    other = RecordFactory(title="另一条草稿", publisher=agency)
    assert client.get(f"{attachment.get_absolute_url()}?token={selectors.preview_token(other)}").status_code == 404
