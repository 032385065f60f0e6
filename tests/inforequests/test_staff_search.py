"""The staff queue's search box: an applicant on the phone reads out their case number, 查询码,
phone or ID number; staff find the case among their own agencies' cases, with JavaScript off."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inforequests import services
from tests.staff import sign_in_staff

from .factories import OTHER_PERSON_ID, PERSON_ID, PHONE, AgencyFactory, make_case, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]
D = dt.date
QUEUE = "/disclosures/apply/staff/"


@pytest.fixture
def two_agencies():
    """The same applicant (PERSON_ID, PHONE) at two agencies, and someone else at the first."""
    a, b = AgencyFactory().organization, AgencyFactory().organization
    mine, code = make_case(agency=a, received_on=D(2026, 11, 2), code=True)
    elsewhere = make_case(agency=b, received_on=D(2026, 11, 3))
    other = make_case(agency=a, received_on=D(2026, 11, 4), id_number=OTHER_PERSON_ID, phone="087165123456转8001")
    return a, b, mine, code, elsewhere, other


def search(client, typed):
    """The search form sent (POST), then the address it leads to: (that address, the page)."""
    sent = client.post(QUEUE, {"q": typed})
    assert sent.status_code == 302, sent.status_code
    page = client.get(sent["Location"])
    assert page.status_code == 200
    return sent["Location"], page.content.decode()


def numbers_listed(html):
    return set(re.findall(r">(GD-YSQ-\d{4}-\d{5})</a>", html.split('id="results-heading"', 1)[1]))


def test_the_queue_has_a_labelled_search_box_that_works_without_javascript(client, two_agencies):
    a, *_ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    html = client.get(QUEUE).content.decode()
    form = re.search(r'<form method="post" action="/disclosures/apply/staff/"[^>]*role="search".*?</form>', html, re.S)
    assert form, "a POST form (what is typed is never part of an address)"
    form = form.group()
    assert '<label for="id_q">查找申请</label>' in form and 'name="q"' in form
    assert 'aria-describedby="id_q_helptext"' in form and 'id="id_q_helptext"' in form
    assert 'autocomplete="off"' in form  # the browser does not offer phone numbers typed before


@pytest.mark.parametrize(
    "typed",
    [
        "number",
        "code",
        PHONE,
        "+86 139-1234-5678",
        "１３９１２３４５６７８",
        PERSON_ID.lower(),
        "１１０１０５ １９４９１２３１ ００２ｘ",
    ],
)
def test_staff_find_a_case_by_number_query_code_phone_or_id_among_their_agencys_cases(client, two_agencies, typed):
    a, b, mine, code, elsewhere, other = two_agencies
    typed = {"number": f" {mine.number.lower()} ", "code": code.replace("-", "").lower()}.get(typed, typed)
    sign_in_staff(client, staff_user("clerk", a))
    _, html = search(client, typed)
    # The same applicant's case at agency b is not theirs to see.
    assert numbers_listed(html) == {mine.number}
    assert "共找到 1 件申请" in html and 'role="status"' in html
    assert re.search(r"<title>查找结果（共 1 件）", html)


def test_district_wide_staff_find_the_applicants_cases_at_every_agency(client, two_agencies):
    a, b, mine, code, elsewhere, other = two_agencies
    sign_in_staff(client, staff_user("district", perms=["view_all_cases"]))
    assert numbers_listed(search(client, PHONE)[1]) == {mine.number, elsewhere.number}
    assert numbers_listed(search(client, "(0871) 6512-3456")[1]) == {other.number}


def test_a_closed_case_is_found_too(client, two_agencies):
    a, b, mine, *_ = two_agencies
    services.case_reply(case=mine, outcome="granted", replied_on=D(2026, 11, 20), reply_text="予以公开")
    sign_in_staff(client, staff_user("clerk", a))
    assert "共找到 1 件申请" in search(client, PHONE)[1]


def test_nothing_found_says_so(client, two_agencies):
    a, b, mine, code, elsewhere, other = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    for typed in ("13800000000", elsewhere.number, "ABCD-EFGH-JKLM", "x"):
        _, html = search(client, typed)
        assert "没有找到与" in html and not numbers_listed(html), typed
        assert re.search(r'<div class="no-results" role="status"><p>没有找到与“[^”]+”相符的申请。', html)
        assert "<title>查找结果（共 0 件）" in html


def test_a_phone_or_id_number_does_not_stay_in_the_address(client, two_agencies):
    """The search box is a GET form; what it sends is answered with a redirect to the same
    search sealed, so the number is not in the history, a bookmark or a link passed on, nor in
    the page's title (which the history keeps too)."""
    a, *_ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    for typed in (PHONE, PERSON_ID):
        address, html = search(client, typed)
        assert typed not in address and typed[-6:] not in address
        assert set(parse_qs(urlsplit(address).query)) == {"search"}
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert typed not in title
        assert f'value="{typed}"' in html  # shown back in the box
        assert f"“{typed}”共找到 1 件申请" in html


def test_a_sealed_search_shows_each_staff_member_only_their_agencys_cases(client, two_agencies):
    """The sealed address passed to staff of another agency lists theirs, not the first's: the
    result is never kept and shared, it is looked up for whoever opens it."""
    a, b, mine, code, elsewhere, other = two_agencies
    sign_in_staff(client, staff_user("clerk-a", a))
    colleague = Client()
    sign_in_staff(colleague, staff_user("clerk-b", b))
    address, html = search(client, PHONE)
    assert numbers_listed(html) == {mine.number}
    assert numbers_listed(colleague.get(address).content.decode()) == {elsewhere.number}


def test_a_search_is_never_kept(client, two_agencies):
    """A kept piece is keyed by what it shows: a key made from a phone or ID number would be a
    digest anyone with the cache could test numbers against."""
    a, *_ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    address, _ = search(client, PHONE)
    again = client.get(address)  # the same search again, nothing changed: rendered afresh
    assert "inforequests/staff/queue_table.html" in {template.name for template in again.templates}


def test_a_search_costs_a_few_queries_however_many_cases_it_finds(client, two_agencies):
    a, b, mine, *_ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    address, _ = search(client, PHONE)

    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        return len(queries.captured_queries)

    one = queries_for_page()
    for day in range(5, 10):
        make_case(agency=a, received_on=D(2026, 11, day))
    queries_for_page()  # the site's header and footer, read again once after new content
    # Session, user, second factor, permissions (2), the count, the calendar (2), the cases.
    assert queries_for_page() == one <= 9


def test_an_expired_or_forged_search_address_is_refused_with_a_way_on(client, two_agencies):
    a, *_ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    address, _ = search(client, PHONE)
    with time_machine.travel(dt.datetime(2026, 12, 5, 17, 0, tzinfo=dt.UTC), tick=False):  # 13 hours on
        sign_in_staff(client, staff_user("clerk-next-day", a))
        expired = client.get(address)
    assert expired.status_code == 400 and "重新输入" in expired.content.decode()
    assert client.get(QUEUE, {"search": "not-a-token"}).status_code == 400
    assert client.post(QUEUE, {"q": "x" * 101}).status_code == 400
    assert client.post(QUEUE, {"q": "  "})["Location"] == QUEUE  # an empty search: the queue


def test_the_queue_without_a_search_is_kept_as_before(client, two_agencies):
    a, *_ = two_agencies
    sign_in_staff(client, staff_user("clerk", a))
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(QUEUE).content.decode()
    assert not any('FROM "inforequests_case"' in q["sql"] for q in queries.captured_queries)
    assert 'id="results-heading"' not in html and "filter-form" in html


def test_a_search_sent_after_the_session_ended_puts_no_number_in_any_address(client, two_agencies):
    """With a GET form, the sign-in page's `next` carried the phone number typed."""
    a, *_ = two_agencies
    user = staff_user("clerk", a)
    sign_in_staff(client, user)
    client.get(QUEUE)
    form = re.search(
        r'<form method="(\w+)" action="/disclosures/apply/staff/"[^>]*role="search"', client.get(QUEUE).content.decode()
    )
    send = getattr(client, form.group(1))  # as the page's search form sends it
    with time_machine.travel(dt.timedelta(minutes=16)):  # past the idle timeout
        sent = send(QUEUE, {"q": PHONE}, follow=True)
        addresses = [address for address, _ in sent.redirect_chain]
        assert addresses and not any(PHONE in address or PHONE[-4:] in address for address in addresses)
        sign_in_staff(client, user)
        again = client.get(QUEUE, follow=True).content.decode()  # offered to send it again
        assert "重新提交" in again
