"""Statistics per session, computed from a small dataset whose figures are worked out by hand."""

import datetime as dt
import re

import pytest

from proposals import services
from proposals.models import Proposal, Reply
from proposals.selectors import session_statistics

from .conftest import publish, send
from .factories import ProposalFactory, ReplyFactory, SessionFactory, UnitFactory, category, level

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 12, 31)
MARCH = dt.date(2024, 3, 1)  # due 2024-06-01; extended: 2024-09-01


def answered(proposal, day, code, feedback=None, published=True):
    reply = ReplyFactory(proposal=proposal, replied_on=day, category=category(code))
    send(reply)
    if published:
        publish(reply)
    if feedback:
        services.feedback_submit(reply=reply, member=proposal.lead_member, level=level(feedback))
    return reply


@pytest.fixture
def session(vocab):
    session = SessionFactory(term=10, number=2, year=2024)
    u1, u2 = UnitFactory(name="甲局"), UnitFactory(name="乙局")
    p = {
        i: ProposalFactory(session=session, number=f"{i}", assigned_on=MARCH, lead_unit=u1 if i in (1, 2, 6, 7) else u2)
        for i in range(1, 8)
    }
    answered(p[1], dt.date(2024, 5, 1), "A", "satisfied")  # 61 days, on time
    answered(p[2], dt.date(2024, 6, 11), "B", "basically_satisfied")  # 102 days, 10 days late
    answered(p[3], dt.date(2024, 4, 10), "C", "dissatisfied")  # 40 days, on time → 重新办理
    Proposal.objects.filter(pk=p[3].pk).update(
        rehandling_started_on=dt.date(2024, 4, 20), rehandling_due_on=dt.date(2024, 5, 20)
    )
    Proposal.objects.filter(pk=p[4].pk).update(status="handling")  # overdue since 06-01
    ReplyFactory(proposal=p[4], category=category("A"))  # a draft: must not count
    Proposal.objects.filter(pk=p[5].pk).update(
        assigned_on=dt.date(2024, 11, 1), due_on=dt.date(2025, 2, 1)
    )  # not yet due
    Proposal.objects.filter(pk=p[6].pk).update(assigned_on=None, due_on=None)  # 交办 unknown
    p[7].extended, p[7].extension_reason, p[7].is_key = True, "跨部门协调", True
    p[7].save()
    answered(p[7], dt.date(2024, 8, 15), "A")  # 167 days, on time (extended)
    return session


def test_session_figures(session):
    figures = session_statistics(session=session, today=TODAY)
    assert (figures.total, figures.key, figures.answered, figures.rehandling, figures.overdue) == (7, 1, 4, 1, 2)
    assert figures.answer_rate == 57.1
    assert dict(figures.status_counts) == {"交办": 2, "办理中": 1, "已答复": 3, "重新办理": 1}
    assert [(c.code, n, pct) for c, n, pct in figures.categories] == [("A", 2, 50.0), ("B", 1, 25.0), ("C", 1, 25.0)]
    assert (figures.feedback_total, figures.satisfied, figures.satisfaction_rate) == (3, 2, 66.7)
    assert [(lvl.label, n) for lvl, n, _ in figures.satisfaction] == [("满意", 1), ("基本满意", 1), ("不满意", 1)]
    units = {u.name: u for u in figures.units}
    assert (units["甲局"].total, units["甲局"].answered, units["甲局"].median_days) == (4, 3, 102)
    assert (units["甲局"].on_time, units["甲局"].late, units["甲局"].on_time_rate) == (2, 1, 66.7)
    assert (units["乙局"].total, units["乙局"].answered, units["乙局"].median_days) == (3, 1, 40)
    assert (units["乙局"].on_time, units["乙局"].late, units["乙局"].on_time_rate) == (1, 1, 50.0)


def test_final_feedback_counts_once_per_proposal(session):
    """After 重新办理 and a second reply, only the feedback on the newest reply counts."""
    p3 = Proposal.objects.get(session=session, number="3")
    second = ReplyFactory(proposal=p3, replied_on=dt.date(2024, 5, 15), category=category("B"))
    send(second)
    publish(second)
    services.feedback_submit(reply=second, member=p3.lead_member, level=level("satisfied"))
    assert Reply.objects.get(pk=second.pk).is_rehandling
    figures = session_statistics(session=session, today=TODAY)
    assert (figures.feedback_total, figures.satisfied, figures.satisfaction_rate) == (3, 3, 100.0)
    assert [(c.code, n) for c, n, _ in figures.categories] == [("A", 2), ("B", 2), ("C", 0)]
    assert (figures.rehandling, figures.overdue) == (0, 1)


def test_statistics_page_shows_table_and_accessible_chart(reader_client, session, django_assert_max_num_queries):
    url = f"/proposals/statistics/{session.pk}/"
    # The page, and one aggregate per schedule source (two) once per generation (core.pagecache).
    with django_assert_max_num_queries(13):
        response = reader_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and html.count("<h1") == 1
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "办复率 57.1%（4/7）" in text
    assert "满意率 66.7%（2/3份反馈）" in text
    assert "A类 得到解决或部分解决 2件 50.0%" in text
    assert "逾期未复 3件" in text  # the page counts up to today: No. 5 (due 2025-02-01) is overdue too
    assert "甲局 4件 3件 102天 66.7%（2/3）" in text and "乙局 3件 1件 40天 33.3%（1/3）" in text
    # The shared SVG chart: role=img, <title>, <desc> with the same numbers, no script.
    assert '<svg class="bar-chart" role="img" aria-labelledby="chart-categories-title chart-categories-desc"' in html
    assert '<desc id="chart-categories-desc">' in html and "A类：2件；B类：1件；C类：1件" in html
    assert "甲局：66.7%" in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    assert '<meta name="ColumnType" content="数据发布">' in html


def test_statistics_index_redirects_to_the_latest_session(reader_client, session):
    response = reader_client.get("/proposals/statistics/")
    assert response.status_code == 302 and response["Location"] == f"/proposals/statistics/{session.pk}/"
    assert reader_client.get("/proposals/statistics/999999/").status_code == 404


def test_statistics_without_any_session(reader_client, db):
    response = reader_client.get("/proposals/statistics/")
    assert response.status_code == 200 and "暂无届次会议数据" in response.content.decode()


def test_only_published_replies_are_counted(reader_client, vocab):
    """Sent but unpublished letters must not show through: not their class, their dates, nor
    their members' satisfaction. The proposals' statuses are public and still count."""
    session = SessionFactory(term=10, number=3, year=2025)
    unit = UnitFactory(name="丙局")
    for number in ("1", "2"):
        proposal = ProposalFactory(session=session, number=number, assigned_on=MARCH, lead_unit=unit)
        answered(proposal, dt.date(2024, 7, 1), "C", "dissatisfied", published=False)
    figures = session_statistics(session=session, today=TODAY)
    assert (figures.total, figures.answered) == (2, 2)
    assert figures.classified == 0 and figures.feedback_total == 0
    (figures_unit,) = figures.units
    assert (figures_unit.median_days, figures_unit.on_time, figures_unit.late) == (None, 0, 0)

    text = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", reader_client.get(f"/proposals/statistics/{session.pk}/").content.decode())
    )
    assert "办复率 100.0%（2/2）" in text  # statuses are public
    assert "短期内不具备条件采纳落实 0件 —" in text and "不满意 0件 —" in text
    assert "丙局 2件 2件 — —" in text and "122天" not in text

    # Once one is published, it (and only it) counts.
    publish(Reply.objects.filter(proposal__session=session).order_by("pk").first())
    figures = session_statistics(session=session, today=TODAY)
    assert [(c.code, n) for c, n, _ in figures.categories if n] == [("C", 1)]
    assert (figures.feedback_total, figures.units[0].median_days, figures.units[0].late) == (1, 122, 1)
