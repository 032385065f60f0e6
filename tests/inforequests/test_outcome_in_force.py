"""A published case answered again (重新答复) is listed and summed up with the outcome in force,
the new answer's; the first answer stays, labelled as such, and the statistics' counts say they
are by first answers (as 年报 table 三 counts)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inforequests import selectors
from inforequests.models import Outcome

from .factories import AgencyFactory
from .test_reanswer import answered, reanswer, reopen
from .test_reanswer_published import public_page, published

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]  # today: 2026-12-05


def agency_page(agency):
    response = Client().get(f"/disclosures/apply/statistics/{agency.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_agency_page_lists_a_case_answered_again_with_its_new_outcome():
    agency = AgencyFactory().organization
    case = reanswer(reopen(published(answered(agency)[0])))
    first, new = Outcome.DENIED_PROCESS.label, Outcome.PARTIAL.label
    page = agency_page(agency)
    assert f"{case.number}</a>（{new}，已重新答复）" in page
    assert f"（{first}）" not in page
    # The counts stay by first answers, and say so.
    assert "按首次答复统计" in page and f"<td>{first}</td>" in page


def test_a_case_being_answered_again_is_listed_with_its_first_outcome_until_the_new_one_is_given():
    agency = AgencyFactory().organization
    case = reopen(published(answered(agency)[0]))
    assert f"{case.number}</a>（{Outcome.DENIED_PROCESS.label}）" in agency_page(agency)


def test_the_list_costs_the_same_queries_however_many_cases_were_answered_again():
    agency = AgencyFactory().organization
    published(answered(agency)[0])

    def queries():
        selectors.agency_statistics(agency=agency)  # the counts, kept (and not counted here)
        with CaptureQueriesContext(connection) as captured:
            figures = selectors.agency_statistics(agency=agency)
        return len(captured), [case.outcome_in_force for case in figures.published]

    one, outcomes = queries()
    assert outcomes == [Outcome.DENIED_PROCESS.label]
    for _ in range(3):
        reanswer(reopen(published(answered(agency)[0])))
    many, outcomes = queries()
    assert many == one and outcomes == [Outcome.PARTIAL.label] * 3 + [Outcome.DENIED_PROCESS.label]


def test_the_published_page_labels_the_first_result_and_shows_the_one_in_force():
    case = published(answered()[0])
    page = public_page(case)
    assert '<th scope="row">办理结果</th>' in page and "首次答复结果" not in page

    case = reopen(case)
    page = public_page(case)
    assert "首次答复结果</th><td>不予公开：属于四类过程性信息（正在重新答复）" in page and "现行办理结果" not in page

    case = reanswer(case)
    page = public_page(case)
    assert "现行办理结果</th><td>部分公开（2026年12月4日重新答复）" in page
    assert "首次答复结果</th><td>不予公开：属于四类过程性信息（已由重新答复取代）" in page
    summary = page.split("申请内容")[0]
    assert "首次答复日期" in summary and '<th scope="row">办理结果</th>' not in summary
