"""Deadline arithmetic: 交办 + 3 months, extension to 6 with a reason, 重新办理 + 1 month."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from proposals.deadlines import add_months, deadline_outcome, handling_due, rehandling_due
from proposals.models import Proposal, normalize_proposal_number
from proposals.numerals import chinese_number

from .factories import ProposalFactory


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (dt.date(2024, 3, 15), 3, dt.date(2024, 6, 15)),
        (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),  # clamped to a short month
        (dt.date(2023, 11, 30), 3, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2024, 8, 31), 1, dt.date(2024, 9, 30)),
        (dt.date(2024, 10, 15), 6, dt.date(2025, 4, 15)),  # across the year end
        (dt.date(2024, 12, 31), 1, dt.date(2025, 1, 31)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_due_dates():
    assert handling_due(dt.date(2024, 3, 15)) == dt.date(2024, 6, 15)
    assert handling_due(dt.date(2024, 3, 15), extended=True) == dt.date(2024, 9, 15)
    assert handling_due(None) is None
    assert rehandling_due(dt.date(2024, 7, 1)) == dt.date(2024, 8, 1)


def test_outcome_words():
    due = dt.date(2024, 6, 15)
    assert deadline_outcome(due, replied_on=dt.date(2024, 6, 15), answered=True) == "按期答复"
    assert deadline_outcome(due, replied_on=dt.date(2024, 6, 25), answered=True) == "逾期10天答复"
    assert deadline_outcome(due, replied_on=None, answered=False, today=dt.date(2024, 6, 20)) == "已逾期5天，尚未答复"
    assert deadline_outcome(due, replied_on=None, answered=False, today=dt.date(2024, 6, 1)) == "尚未到期（剩余14天）"
    assert deadline_outcome(due, replied_on=None, answered=True) == "已答复（答复尚未公开）"


@pytest.mark.django_db
def test_saving_derives_the_due_dates_and_extension_needs_a_reason():
    proposal = ProposalFactory(assigned_on=dt.date(2024, 3, 15))
    assert proposal.due_on == dt.date(2024, 6, 15)
    proposal.extended = True
    with pytest.raises(ValidationError) as error:
        proposal.full_clean()
    assert "延期办理须记录理由" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        proposal.save()  # the database refuses it too, whatever the write path
    proposal.extension_reason = "涉及多部门协调，经交办机构同意"
    proposal.save()
    proposal.refresh_from_db()
    assert proposal.due_on == dt.date(2024, 9, 15)
    assert proposal.history.count() == 2


@pytest.mark.django_db
def test_extension_service_records_the_reason():
    from proposals.services import proposal_extend

    proposal = ProposalFactory(assigned_on=dt.date(2024, 3, 15))
    with pytest.raises(ValidationError):
        proposal_extend(proposal=proposal, reason="  ")
    proposal = proposal_extend(proposal=proposal, reason="需征求市级部门意见")
    assert proposal.due_on == dt.date(2024, 9, 15)
    assert proposal.history.first().history_change_reason == "延期办理：需征求市级部门意见"


@pytest.mark.django_db
def test_overdue_queryset_uses_the_current_due_date():
    today = dt.date(2024, 7, 1)
    late = ProposalFactory(assigned_on=dt.date(2024, 3, 15), status="handling")
    ProposalFactory(assigned_on=dt.date(2024, 5, 1), status="assigned")  # due 08-01
    ProposalFactory(assigned_on=dt.date(2024, 3, 15), status="answered")
    redo = ProposalFactory(
        assigned_on=dt.date(2024, 1, 2), status="rehandling", rehandling_started_on=dt.date(2024, 5, 20)
    )
    ProposalFactory(assigned_on=dt.date(2024, 1, 2), status="rehandling", rehandling_started_on=dt.date(2024, 6, 20))
    assert set(Proposal.objects.overdue(today)) == {late, redo}
    assert redo.rehandling_due_on == dt.date(2024, 6, 20) and redo.is_overdue(today)


@pytest.mark.django_db
def test_number_is_unique_within_a_session_only():
    first = ProposalFactory(number="102114")
    ProposalFactory(number="102114")  # another session
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalFactory(number="102114", session=first.session)


def test_numbers_and_session_names():
    assert normalize_proposal_number("第１０２１１４号") == "102114"
    assert normalize_proposal_number(" 102114 ") == "102114"
    assert [chinese_number(n) for n in (1, 2, 10, 11, 17, 20, 21, 99, 100, 105, 110)] == [
        "一",
        "二",
        "十",
        "十一",
        "十七",
        "二十",
        "二十一",
        "九十九",
        "一百",
        "一百零五",
        "一百一十",
    ]


@pytest.mark.django_db
def test_session_name_is_generated():
    proposal = ProposalFactory(session__term=10, session__number=2)
    assert proposal.session.name == "十届二次会议"
    assert proposal.reference == f"政协测试区十届二次会议第{proposal.number}号提案"
