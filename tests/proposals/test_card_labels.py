"""Below 48rem a list's rows show as cards with their header row hidden (site.css): every cell
but the title must then carry its column's name (data-label), or a card is a bare list of
values — 李演示 / 演示区教育体育局 / B类 / 已答复 — with nothing saying which is which."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model

from .conftest import publish, send
from .factories import MemberFactory, ProposalFactory, ReplyFactory, category

pytestmark = pytest.mark.django_db


class _Rows(HTMLParser):
    """The cells of each body row of every record-table: [[{attribute: value}, …], …]."""

    def __init__(self):
        super().__init__()
        self.rows, self.depth, self.in_body = [], 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "record-table" in (attrs.get("class") or "").split():
            self.depth += 1
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.depth and self.in_body and tag == "tr":
            self.rows.append([])
        elif self.depth and self.in_body and tag == "td":
            self.rows[-1].append(attrs)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "table" and self.depth:
            self.depth -= 1


def rows_of(html):
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def test_every_cell_of_a_proposal_card_says_what_it_is(client, vocab):
    member = MemberFactory(name="王丽芬", user=get_user_model().objects.create_user("wanglf", password="x"))
    reply = ReplyFactory(proposal=ProposalFactory(lead_member=member, status="handling"), category=category("B"))
    send(reply)
    publish(reply)
    client.force_login(member.user)
    pages = ["/proposals/", member.get_absolute_url(), "/proposals/mine/"]
    for page in pages:
        html = client.get(page).content.decode()
        rows = rows_of(html)
        assert rows, page
        for cells in rows:
            titles = [c for c in cells if "title" in (c.get("class") or "").split()]
            assert len(titles) == 1, (page, cells)
            assert all(c.get("data-label") for c in cells if c not in titles), (page, cells)
        # The category's meaning is read out, not only in a tooltip (abbr's title is not).
        if page != "/proposals/mine/":
            assert f'B类</abbr><span class="visually-hidden">：{reply.category.label}</span>' in html, page
