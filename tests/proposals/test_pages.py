"""Public pages: the list and its filters, member pages, 一号一查, query counts."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from proposals.filters import ProposalFilter
from proposals.models import Proposal, ReplyCategory
from tests.html import page_title

from .conftest import publish, send
from .factories import (
    AssemblyFactory,
    MemberFactory,
    ProposalFactory,
    ReplyFactory,
    SessionFactory,
    UnitFactory,
    category,
)

pytestmark = pytest.mark.django_db


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def titles(response):
    return set(re.findall(r"关于[^<]*的建议（[^<]*）", response.content.decode()))


def answer(proposal, code="A", day=dt.date(2024, 5, 20)):
    reply = ReplyFactory(proposal=proposal, replied_on=day, category=category(code))
    send(reply)
    publish(reply)
    return reply


@pytest.fixture
def data(vocab):
    cppcc = SessionFactory(term=10, number=2, year=2023)
    npc = SessionFactory(assembly=AssemblyFactory(name="测试区人大", kind="npc"), term=17, number=3, year=2024)
    edu, health = UnitFactory(name="测试区教育局"), UnitFactory(name="测试区卫健局")
    alice = MemberFactory(name="张三丰", assembly=cppcc.assembly)
    bob = MemberFactory(name="李四光", assembly=npc.assembly)
    p = {
        "a": ProposalFactory(
            session=cppcc,
            title="关于学校的建议（a）",
            lead_member=alice,
            lead_unit=edu,
            assigned_on=dt.date(2023, 3, 1),
        ),
        "b": ProposalFactory(
            session=cppcc,
            title="关于医院的建议（b）",
            lead_member=alice,
            lead_unit=health,
            assigned_on=dt.date(2023, 3, 1),
        ),
        "c": ProposalFactory(
            session=npc, kind="suggestion", title="关于道路的建议（c）", lead_member=bob, lead_unit=health
        ),
        "d": ProposalFactory(
            session=npc,
            kind="suggestion",
            title="关于公园的建议（d）",
            lead_member=bob,
            lead_unit=health,
            status="handling",
        ),
    }
    p["c"].co_proposers.add(MemberFactory(name="王五", assembly=npc.assembly))
    p["d"].assisting_units.add(edu)
    answer(p["a"], "A", dt.date(2023, 5, 10))
    answer(p["b"], "C", dt.date(2023, 5, 12))
    answer(p["c"], "B")
    return {"cppcc": cppcc, "npc": npc, "edu": edu, "health": health, "alice": alice, "bob": bob, **p}


def test_list_shows_every_proposal_with_its_row(reader_client, data):
    response = reader_client.get("/proposals/")
    assert response.status_code == 200
    assert titles(response) == {
        "关于学校的建议（a）",
        "关于医院的建议（b）",
        "关于道路的建议（c）",
        "关于公园的建议（d）",
    }
    text = text_of(response)
    assert "共 4 件" in text
    proposal = data["a"]
    assert (
        f"政协测试区十届二次会议 第{proposal.number}号 关于学校的建议（a） 张三丰 测试区教育局 "
        f"交办 2023-03-01 答复 2023-05-10 公开 2023-05-12 A类 ：{ReplyCategory.objects.get(code='A').label} 已答复"
    ) in text
    html = response.content.decode()
    assert html.count("<h1") == 1 and '<meta name="ColumnName" content="建议提案办理">' in html


FILTER_CASES = [
    ("assembly={cppcc.assembly.pk}", "ab"),
    ("session={npc.pk}", "cd"),
    ("unit={edu.pk}", "ad"),  # lead or assisting unit
    ("unit={health.pk}", "bcd"),
    ("category={A}", "a"),
    ("category={B}", "c"),
    ("category={C}", "b"),
    ("status=handling", "d"),
    ("status=answered", "abc"),
    ("year=2023", "ab"),
    ("year=2024", "cd"),
    ("member=张三", "ab"),
    ("member=王五", "c"),  # co-proposers count
    ("member=李四光&status=answered", "c"),
    ("member=", "abcd"),
    ("session={npc.pk}&unit={edu.pk}", "d"),
]
WORDS = {"a": "学校", "b": "医院", "c": "道路", "d": "公园"}


def test_filters(reader_client, data):
    """One dataset, every filter (a single setup keeps this fast)."""
    from proposals.models import ReplyCategory

    codes = {c.code: c.pk for c in ReplyCategory.objects.all()}
    for query, expected in FILTER_CASES:
        url = "/proposals/?" + query.format(**data, **codes)
        response = reader_client.get(url)
        assert response.status_code == 200, url
        assert titles(response) == {f"关于{WORDS[k]}的建议（{k}）" for k in expected}, url
        assert f"共 {len(expected)} 件" in text_of(response), url


def test_bad_filters_are_a_clear_400_or_404(reader_client, data):
    for query, status in [
        ("year=abc", 400),
        ("year=1800", 400),
        ("year=2023.5", 400),
        ("session=999999", 400),
        ("status=nope", 400),
        ("unit=x", 400),
        ("page=0", 404),
        ("page=99", 404),
        ("page=abc", 404),
    ]:
        response = reader_client.get(f"/proposals/?{query}")
        assert response.status_code == status, query
        html = response.content.decode()
        assert "site-header" in html and html.count("<h1") == 1, query  # the site look, not a bare error
        if status == 400:
            assert "筛选条件无效" in html and 'role="alert"' in html, query
    # Which filter was wrong: a stale link's unknown 办理状态 is named as such.
    html = reader_client.get("/proposals/?status=nope").content.decode()
    label = str(ProposalFilter().form.fields["status"].label)
    assert f"{label}：" in html


def test_an_unknown_status_is_not_written_on_the_page(reader_client, data):
    """Django's message for a choice not on the list repeats it: a crafted link had the site
    print any sentence in its error box."""
    planted = "本网站已迁移请访问example办理"
    response = reader_client.get("/proposals/", {"status": planted})
    assert response.status_code == 400
    html = response.content.decode()
    assert planted not in html and "办理状态：没有这个选项" in html


def test_member_page_lists_led_and_cosigned_proposals(reader_client, data):
    response = reader_client.get(data["bob"].get_absolute_url())
    assert response.status_code == 200
    assert titles(response) == {"关于道路的建议（c）", "关于公园的建议（d）"}
    text = text_of(response)
    assert "李四光代表的建议提案" in text and "已答复" in text and "办理中" in text
    cosigner = data["c"].co_proposers.get()
    assert titles(reader_client.get(cosigner.get_absolute_url())) == {"关于道路的建议（c）"}
    assert reader_client.get("/proposals/members/999999/").status_code == 404


def test_lookup_goes_straight_to_the_proposal(reader_client, data):
    proposal = data["a"]
    response = reader_client.get(
        "/proposals/lookup/", {"session": proposal.session_id, "number": f"第{proposal.number}号"}
    )
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    fullwidth = proposal.number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert (
        reader_client.get("/proposals/lookup/", {"session": proposal.session_id, "number": fullwidth})["Location"]
        == proposal.get_absolute_url()
    )
    form = reader_client.get("/proposals/lookup/")
    assert form.status_code == 200 and "政协测试区十届二次会议" in form.content.decode()


def test_lookup_bad_input_is_a_form_error(reader_client, data):
    session = str(data["cppcc"].pk)
    for params, message in [
        ({"session": "", "number": "1"}, "请选择届次会议。"),
        ({"session": "abc", "number": "1"}, "所选届次会议不存在，请重新选择。"),
        ({"session": "999999", "number": "1"}, "所选届次会议不存在，请重新选择。"),
        ({"session": session, "number": ""}, "请填写编号。"),
        ({"session": session, "number": "1;drop"}, "编号只能包含数字、字母和连字符"),
        ({"session": session, "number": "1" * 30}, "编号太长"),
    ]:
        response = reader_client.get("/proposals/lookup/", params)
        assert response.status_code == 400, params
        html = response.content.decode()
        assert message in html and 'role="alert"' in html and html.count("<h1") == 1, params
        assert page_title(response).startswith("填写有误，请修改 - 一号一查 - "), params  # said first
        if params["number"]:
            assert f'value="{params["number"]}"' in html, params  # what was typed is kept


def test_lookup_unknown_number_is_a_helpful_404(reader_client, data):
    response = reader_client.get("/proposals/lookup/", {"session": data["cppcc"].pk, "number": "999999"})
    assert response.status_code == 404
    text = text_of(response)
    assert "未找到政协测试区十届二次会议第999999号建议提案" in text and "浏览该届次的全部建议提案" in text
    assert f'href="/proposals/?session={data["cppcc"].pk}"' in response.content.decode()
    # The shared error summary (focused, an alert, a heading), its heading said first in the title.
    summary = render_to_string("components/form_errors.html", {"problem": response.context["problem"]})
    assert summary in response.content.decode()
    assert page_title(response).startswith("未找到政协测试区十届二次会议第999999号建议提案 - 一号一查 - ")


def test_proposal_page_unknown_is_404(reader_client, data):
    assert reader_client.get(f"/proposals/{data['cppcc'].pk}/nope/").status_code == 404
    assert reader_client.get("/proposals/999999/1/").status_code == 404


def test_proposal_page_shows_due_date_and_whether_it_was_met(reader_client, data):
    text = text_of(reader_client.get(data["a"].get_absolute_url()))
    assert "办理期限: 2023-06-01" in text and "是否按期: 按期答复" in text and "A类（得到解决或部分解决）" in text
    late = ProposalFactory(session=data["cppcc"], assigned_on=dt.date(2023, 1, 5), lead_member=data["alice"])
    answer(late, "B", dt.date(2023, 4, 20))
    assert "是否按期: 逾期15天答复" in text_of(reader_client.get(late.get_absolute_url()))
    waiting = ProposalFactory(
        session=data["cppcc"], assigned_on=timezone.localdate() - dt.timedelta(days=10), lead_member=data["alice"]
    )
    assert "尚未到期" in text_of(reader_client.get(waiting.get_absolute_url()))
    assert "正在办理，尚未答复" in text_of(reader_client.get(waiting.get_absolute_url()))


def _many(n, vocab_session=None):
    session = SessionFactory(term=9, number=1, year=2022)
    units = [UnitFactory() for _ in range(5)]
    members = [MemberFactory(assembly=session.assembly) for _ in range(8)]
    for i in range(n):
        proposal = ProposalFactory(
            session=session, lead_member=members[i % 8], lead_unit=units[i % 5], assigned_on=dt.date(2022, 3, 1)
        )
        proposal.co_proposers.add(members[(i + 1) % 8])
        if i % 3:
            answer(proposal, "ABC"[i % 3], dt.date(2022, 5, 1) + dt.timedelta(days=i))
    return session, members


def test_query_counts_do_not_grow_with_the_list(reader_client, vocab, django_assert_max_num_queries):
    session, members = _many(45)
    assert Proposal.objects.count() == 45
    for url in [
        "/proposals/",
        "/proposals/?page=2",
        f"/proposals/?session={session.pk}&status=answered",
        "/proposals/?member=委员",
        members[0].get_absolute_url(),
        f"/proposals/statistics/{session.pk}/",
    ]:
        with django_assert_max_num_queries(14):
            response = reader_client.get(url)
        assert response.status_code == 200, url


def test_member_page_is_paged(reader_client):
    from .factories import MemberFactory, ProposalFactory, SessionFactory

    session = SessionFactory()
    member = MemberFactory(assembly=session.assembly)
    for n in range(23):
        ProposalFactory(session=session, lead_member=member, title=f"关于第{n:02d}件事的建议（{n}）")
    url = member.get_absolute_url()
    first, second = reader_client.get(url), reader_client.get(url + "?page=2")
    assert len(titles(first)) == 20 and len(titles(second)) == 3
    assert titles(first).isdisjoint(titles(second))
    assert "共 23 件" in text_of(first) and "第 1 页，共 2 页" in text_of(first)
    assert 'href="?page=2" rel="next"' in first.content.decode()
    for bad in ("page=3", "page=0", "page=abc"):
        assert reader_client.get(f"{url}?{bad}").status_code == 404, bad


def test_a_later_page_of_a_list_says_its_number_in_the_title(reader_client):
    """The title is what a screen reader says first and what a tab or the history shows: page 2
    of the proposals and of a member's list were titled as page 1, unlike the catalogue's."""
    from .factories import MemberFactory, ProposalFactory, SessionFactory

    session = SessionFactory()
    member = MemberFactory(assembly=session.assembly)
    for n in range(23):
        ProposalFactory(session=session, lead_member=member, title=f"关于第{n:02d}件事的建议（{n}）")
    for url in ("/proposals/", member.get_absolute_url()):
        first, second = page_title(reader_client.get(url)), page_title(reader_client.get(url + "?page=2"))
        assert "页" not in first, url
        assert "（第 2 页，共 2 页） - " in second, url
        assert second.replace("（第 2 页，共 2 页）", "") == first, url
