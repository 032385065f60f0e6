"""Public pages the page cache cannot serve (a signed-in reader, a cookie it does not know, a
miss in another worker) are kept whole for one generation (core.rendering.keep_response):
rendered again, they cost no query and no template. Nothing of the reader who rendered one is
ever in it, and a publish, edit or withdraw shows at once."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core.rendering import keep_response
from disclosures import services as disclosure_services
from tests.disclosures.factories import PublishedRecordFactory

pytestmark = pytest.mark.django_db

STAFF_NAME = "staff-wang-7731"


@pytest.fixture
def uncached(settings):
    settings.PAGE_CACHE_ENABLED = False  # every request reaches the view: what the page cache would hide


@pytest.fixture
def proposal(db):
    from proposals import services
    from tests.proposals.factories import MemberFactory, ProposalFactory, ReplyFactory, vocabularies

    vocabularies()
    user = get_user_model().objects.create_user("member-li-5520")
    member = MemberFactory(name="李委员", user=user)
    reply = ReplyFactory(
        proposal=ProposalFactory(lead_member=member, status="handling"), letter="<p>只送达委员本人的答复。</p>"
    )
    services.reply_send(reply=reply)
    return reply.proposal


@pytest.fixture
def other_member(db):
    """The account of a second member, who leads nothing."""
    from tests.proposals.factories import MemberFactory

    user = get_user_model().objects.create_user("member-zhao-3307")
    MemberFactory(name="赵委员", user=user)
    return user


def page_urls(proposal):
    return [
        "/",
        "/disclosures/",
        "/disclosures/?page=1",
        "/disclosures/guide/",
        "/proposals/",
        proposal.get_absolute_url(),
        proposal.lead_member.get_absolute_url(),
        "/communities/",
        "/feeds/records.xml",
        "/api/v1/records",
        "/disclosures/apply/statistics/",  # kept for STATISTICS_SECONDS at most: cases start no generation
        "/search/?q=%E7%A4%BE%E5%8C%BA%E6%B2%BB%E7%90%86",  # 社区治理
    ]


def fetch(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(queries)


def test_each_page_type_is_rendered_once_per_generation(reader_client, seed, proposal, uncached):
    for url in page_urls(proposal):
        first, cold = fetch(reader_client, url)
        second, warm = fetch(reader_client, url)
        assert cold > 0 and warm == 0, (url, cold, warm)
        assert (first.templates or url.endswith((".xml", "records"))) and not second.templates, url
        assert second.content == first.content, url


def test_a_page_a_signed_in_user_rendered_shows_nothing_of_them(client, seed, proposal, uncached):
    staff = get_user_model().objects.create_user(STAFF_NAME, is_staff=True, is_superuser=True)
    for url in page_urls(proposal):
        client.force_login(staff)
        signed_in = client.get(url)
        client.logout()
        anonymous, queries = fetch(client, url)
        assert queries == 0 and not anonymous.templates, url  # the page the signed-in user rendered
        assert STAFF_NAME not in signed_in.content.decode(), url
        assert anonymous.content == signed_in.content, url


def test_a_members_own_proposal_is_kept_for_that_member_alone(client, proposal, other_member, uncached):
    """The lead member's page (letters sent to them alone) is kept under their name: rendered
    again it costs no template, and no one else (the public, another member) is ever given it."""
    from proposals import services
    from tests.proposals.factories import ReplyFactory

    url = proposal.get_absolute_url()
    public = client.get(url).content.decode()  # kept for everyone
    client.force_login(proposal.lead_member.user)
    own = client.get(url)
    assert own.templates and "只送达委员本人的答复。" in own.content.decode()
    assert "只送达委员本人的答复。" not in public
    again, queries = fetch(client, url)
    assert not again.templates and again.content == own.content
    assert queries <= 3  # the session, who is signed in, and which member that is
    client.force_login(other_member)
    theirs = client.get(url)
    assert theirs.templates and "只送达委员本人的答复。" not in theirs.content.decode()
    client.logout()
    anonymous = client.get(url)
    assert not anonymous.templates and anonymous.content.decode() == public
    # A letter sent later shows at once on the member's kept page.
    first = proposal.replies.get()
    second = ReplyFactory(
        proposal=proposal, letter="<p>第二封送达的答复。</p>", replied_on=first.replied_on + dt.timedelta(days=1)
    )
    services.reply_send(reply=second)
    client.force_login(proposal.lead_member.user)
    assert "第二封送达的答复。" in client.get(url).content.decode()
    client.logout()
    assert "第二封送达的答复。" not in client.get(url).content.decode()


def test_my_proposals_are_kept_for_the_members_session_and_its_sign_out_still_works(proposal, other_member, uncached):
    """我的建议提案 carries a sign-out form, so the member's CSRF token: kept for that session
    alone, never for another session (the same member elsewhere) or another member, and the
    kept page's token still signs the member out."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(proposal.lead_member.user)
    mine = browser.get("/proposals/mine/")
    assert mine.templates and proposal.title in mine.content.decode()
    again, queries = fetch(browser, "/proposals/mine/")
    assert not again.templates and again.content == mine.content and queries <= 3
    elsewhere = Client()
    elsewhere.force_login(proposal.lead_member.user)
    assert elsewhere.get("/proposals/mine/").templates  # another session: its own token, rendered for it
    stranger = Client()
    stranger.force_login(other_member)
    theirs = stranger.get("/proposals/mine/")
    assert theirs.templates and proposal.title not in theirs.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again.content.decode()).group(1)
    assert browser.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert browser.get("/proposals/mine/").status_code == 302  # signed out: to the sign-in page


@pytest.mark.parametrize("url", ["/", "/disclosures/", "/feeds/records.xml", "/api/v1/records"])
def test_publish_edit_and_withdraw_show_at_once(reader_client, seed, admin_user, uncached, url):
    reader_client.get(url)
    record = PublishedRecordFactory(title="刚刚公开的文件")
    assert "刚刚公开的文件" in reader_client.get(url).content.decode()
    record.title = "改过标题的文件"
    record.save()
    page = reader_client.get(url).content.decode()
    assert "改过标题的文件" in page and "刚刚公开的文件" not in page
    disclosure_services.record_withdraw(record=record, user=admin_user, reason="测试")
    assert "改过标题的文件" not in reader_client.get(url).content.decode()


def kept_view(body):
    calls = []

    @keep_response
    def view(request):
        calls.append(1)
        return HttpResponse(body(request))

    return view, calls


def get(view, path="/kept/", **extra):
    request = RequestFactory().get(path, **extra)
    request.session = {}
    return view(request)


def test_what_is_someones_own_is_never_kept(settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
    for body in (
        lambda request: get_token(request),  # a CSRF token: the reader's own
        lambda request: "".join(str(m) for m in get_messages(request)),  # messages shown
    ):
        view, calls = kept_view(body)
        for _ in range(2):
            request = RequestFactory().get("/own/")
            from django.contrib.messages.storage import default_storage

            request._messages = default_storage(request)
            view(request)
        assert len(calls) == 2

    def sets_cookie(request):
        response = HttpResponse("x")
        response.set_cookie("own", "1")
        return response

    view = keep_response(sets_cookie)
    first, second = get(view, "/cookie/"), get(view, "/cookie/")
    assert first.cookies and second.cookies  # answered by the view each time


def test_only_successful_pages_with_known_parameters_are_kept():
    view, calls = kept_view(lambda request: "页面")
    get(view, "/a/?page=2")
    assert get(view, "/a/?page=2").content.decode() == "页面" and len(calls) == 1
    get(view, "/a/?utm_source=x")
    get(view, "/a/?utm_source=x")  # made-up parameters would each keep a copy
    assert len(calls) == 3

    statuses = []

    @keep_response
    def missing(request):
        statuses.append(1)
        return HttpResponse("没有", status=404)

    get(missing, "/gone/")
    get(missing, "/gone/")
    assert len(statuses) == 2


def test_kept_pages_vary_with_host_and_reader_preferences(reader_client, seed, uncached):
    plain = reader_client.get("/").content.decode()
    reader_client.cookies["reader"] = "elder=1"
    elder = reader_client.get("/").content.decode()
    assert "elder" in elder.split("<head>")[0] and "elder" not in plain.split("<head>")[0]
    del reader_client.cookies["reader"]
    other = reader_client.get("/feeds/records.xml", HTTP_HOST="localhost").content.decode()
    assert "http://localhost/" in other
    assert "http://localhost/" not in reader_client.get("/feeds/records.xml").content.decode()
    assert re.search(r'name="next" value="/"', plain)
