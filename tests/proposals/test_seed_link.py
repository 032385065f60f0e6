"""The seed: proposal No. 102114 and its reply, linked to the seed disclosure record both ways."""

import datetime as dt
import re

import pytest
from django.core.management import call_command

from proposals.models import Proposal, Reply
from tests.conftest import SEED_INDEX_NUMBER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]  # the seed, loaded once
SEED_URL = f"/disclosures/{SEED_INDEX_NUMBER}/"


def text_of(response):
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def seed_reply(seed):
    return Reply.objects.select_related("proposal__session__assembly", "record").get(record=seed)


def test_seed_reply_carries_only_what_the_page_says(seed_reply, seed):
    reply, proposal = seed_reply, seed_reply.proposal
    assert proposal.reference == "政协官渡区十届二次会议第102114号提案"
    assert proposal.lead_member.name == "王丽芬"
    assert proposal.title == "关于加大基层社会治理试点建设,提高基层治理效能的建议"
    assert reply.answering_unit.name == "昆明市官渡区民政局"
    assert reply.replied_on == dt.date(2023, 5, 31)
    assert (reply.contact_person, reply.contact_phone) == ("敖华", "0871-67210221")
    assert reply.record_title == seed.title
    assert reply.letter == seed.body  # the letter is the published record's text
    assert reply.is_public and reply.published_at == seed.published_at
    # Not on the page, so not invented: 交办 date (hence due date), class, member contact details.
    assert proposal.assigned_on is None and proposal.due_on is None
    assert reply.category is None
    assert proposal.lead_member.phone == proposal.lead_member.email == ""


def test_loading_the_seed_twice_creates_nothing(seed):
    counts = (Proposal.objects.count(), Reply.objects.count())
    call_command("load_seed", verbosity=0)
    assert (Proposal.objects.count(), Reply.objects.count()) == counts == (1, 1)


def test_record_page_links_to_the_proposal(reader_client, seed_reply):
    response = reader_client.get(SEED_URL)
    page = text_of(response)
    assert "本件为 政协官渡区十届二次会议第102114号提案 的答复" in page
    assert f'href="{seed_reply.proposal.get_absolute_url()}"' in response.content.decode()
    assert response.content.decode().count("<h1") == 1


def test_proposal_page_links_to_the_record_and_shows_the_letter(reader_client, seed_reply, seed):
    response = reader_client.get(seed_reply.proposal.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{seed.get_absolute_url()}"' in html and SEED_INDEX_NUMBER in html
    assert seed.body in html  # full text (publication mode 全文公开)
    page = text_of(response)
    for expected in [
        "届次: 政协官渡区十届二次会议",
        "编号: 第102114号",
        "王丽芬",
        "主办单位: 昆明市官渡区民政局",
        "答复日期: 2023-05-31",
        "公开日期: 2023-06-16",
        "办理状态: 已答复",
        "交办日期未录入，无法计算办理期限",
        "承办单位联系人：敖华，办公电话：0871-67210221",
    ]:
        assert expected in page, expected
    assert html.count("<h1") == 1
    assert '<meta name="ColumnName" content="建议提案办理">' in html
    assert '<meta name="ArticleTitle" content="政协官渡区十届二次会议第102114号提案：' in html
    assert '<meta name="ContentSource" content="昆明市官渡区民政局">' in html


def test_withdrawn_record_hides_the_reply_and_the_panel(reader_client, seed_reply, seed):
    from disclosures.services import record_withdraw

    record_withdraw(record=seed, reason="测试")
    html = reader_client.get(seed_reply.proposal.get_absolute_url()).content.decode()
    assert seed.body not in html and "答复尚未公开" in html
    assert reader_client.get(SEED_URL).status_code == 404
