"""A staff action sent from a page that has gone out of date (a colleague answered the case
meanwhile) answers with the case page as it is now: what changed, and what was typed, never the
generic 400 meant for filters."""

import datetime as dt
import re
from html import unescape

import pytest

from inforequests import services
from inforequests.models import Case, Outcome
from tests.staff import sign_in_staff

from .factories import AgencyFactory, make_case, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]  # today: 2026-12-05, 12:00
D = dt.date
EXTEND = {
    "action": "extend",
    "extend-on": "2026-10-01",
    "extend-days": "10",
    "extend-approver": "王主任",
    "extend-reason": "档案分散在三个科室，\n需要逐一调取",
}
FILTERS_400 = "请求中的参数无法识别"


@pytest.fixture
def case():
    return make_case(agency=AgencyFactory().organization, received_on=D(2026, 9, 18))


def seen_on(page):
    return re.search(r'name="seen" value="(\d+)"', page).group(1)


def test_an_extension_sent_after_a_colleague_answered_says_so_and_keeps_what_was_typed(client, case):
    sign_in_staff(client, staff_user("clerk", case.agency))
    url = f"/disclosures/apply/staff/{case.pk}/"
    seen = seen_on(client.get(url).content.decode())
    colleague = staff_user("colleague", case.agency)
    services.case_reply(
        case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开。", user=colleague
    )

    response = client.post(url, {**EXTEND, "seen": seen})
    page = unescape(response.content.decode())
    assert response.status_code == 409 and FILTERS_400 not in page
    assert "操作未执行：该申请已有变化" in page
    assert "您打开本页后，colleague于2026年12月5日 12:00答复。该申请现为“已答复”，当前状态下不能“延期答复”。" in page
    # What was typed is on the page, lines kept.
    assert "未保存的内容（延期答复）" in page
    assert "王主任" in page and "档案分散在三个科室，<br>需要逐一调取" in page
    assert re.search(r"<title>操作未执行：该申请已有变化 - ", page)
    assert Case.objects.get(pk=case.pk).extension_days == 0


def test_without_the_page_s_mark_the_latest_step_explains_it(client, case):
    sign_in_staff(client, staff_user("clerk", case.agency))
    services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 10, 9), reply_text="予以公开。")
    response = client.post(f"/disclosures/apply/staff/{case.pk}/", EXTEND)
    page = response.content.decode()
    assert response.status_code == 409 and "最近一次办理：系统于2026年12月5日 12:00答复。" in page


def test_an_unknown_action_answers_with_the_case_page(client, case):
    sign_in_staff(client, staff_user("clerk", case.agency))
    response = client.post(f"/disclosures/apply/staff/{case.pk}/", {"action": "nonsense"})
    page = response.content.decode()
    assert response.status_code == 400 and FILTERS_400 not in page
    assert case.number in page and "无法识别所提交的操作" in page
