"""A due date counted into a year whose holidays the State Council has not published yet says
so plainly, naming the year, wherever it is shown (the receipt, its notice, the status page,
staff's "how it was computed")."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from core.working_days import Calendar
from inforequests import clock, notices
from inforequests.models import Case
from tests.staff import sign_in_staff

from .factories import PHONE, AgencyFactory, staff_user
from .test_public import STATUS, confirm, form_data

pytestmark = pytest.mark.django_db
D = dt.date
# chinesecalendar (pinned) knows 2026, not 2027.
NOTE = "暂定：2027年的放假安排国务院尚未公布，公布后可能调整"
OLD = "期间有年度"


@time_machine.travel(dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC), tick=False)  # Mon 7 Dec 2026, 10:00
def test_every_page_and_the_notice_name_the_year_not_yet_scheduled(client):
    agency = AgencyFactory().organization
    done = confirm(client, form_data(agency))
    receipt = client.get(done["Location"]).content.decode()
    case = Case.objects.get()
    assert case.due_on == D(2027, 1, 5) and not case.due_exact
    assert f"2027年1月5日（20个工作日；{NOTE}）" in receipt
    assert f"2027年1月5日（{NOTE}）" in case.notices.get(key="receipt").body

    code = re.search(r'class="query-code">([A-Z0-9-]+)<', receipt).group(1)
    status = Client().post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert f"2027年1月5日（{NOTE}）" in status

    sign_in_staff(client, staff_user("clerk", agency))
    deadline = client.get(f"/disclosures/apply/staff/{case.pk}/deadline/").content.decode()
    assert NOTE in deadline
    assert not [page for page in (receipt, status, deadline, case.notices.get().body) if OLD in page]


def test_a_count_within_known_years_carries_no_note_and_several_years_are_all_named():
    calendar = Calendar()
    assert clock.unscheduled_years(start=D(2026, 9, 1), end=D(2026, 10, 9), calendar=calendar) == []
    years = clock.unscheduled_years(start=D(2026, 12, 20), end=D(2028, 1, 3), calendar=calendar)
    assert years == [2027, 2028]
    assert notices.provisional_words(years) == "暂定：2027年、2028年的放假安排国务院尚未公布，公布后可能调整"


@time_machine.travel(dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC), tick=False)  # Thu 10 Dec 2026, 10:00
def test_the_staff_case_page_and_queue_mark_the_due_date_provisional(client):
    """Staff work from the case page and the queue, not the "how it was computed" page: a due
    date counted over 2027's unknown holidays is marked there too."""
    agency = AgencyFactory().organization
    confirm(Client(), form_data(agency))
    case = Case.objects.get()
    assert case.due_on == D(2027, 1, 8) and not case.due_exact
    sign_in_staff(client, staff_user("clerk", agency))
    page = client.get(f"/disclosures/apply/staff/{case.pk}/").content.decode()
    assert f"2027-01-08（{NOTE}）" in page
    queue = client.get("/disclosures/apply/staff/").content.decode()
    assert re.search(r"2027-01-08<br>（暂定）", queue)


@time_machine.travel(dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC), tick=False)
def test_a_year_confirmed_without_moving_the_date_says_the_date_is_no_longer_provisional(
    django_capture_on_commit_callbacks,
):
    from core.models import WorkingDayYear
    from inforequests.models import CaseEvent

    from .factories import make_case

    case = make_case(received_on=D(2026, 12, 10))
    assert case.due_on == D(2027, 1, 8) and not case.due_exact
    with django_capture_on_commit_callbacks(execute=True):
        WorkingDayYear.objects.create(year=2027, note="国办发明电（测试）")
    event = CaseEvent.objects.get(case=case, action="期限重算")
    assert "2027-01-08（日期不变，不再暂定）" in event.reason and "→" not in event.reason
