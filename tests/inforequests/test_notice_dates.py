"""Every notice writes its dates one way, as it is signed: 2026年12月6日, never 2026年12月06日."""

import datetime as dt
import re

import pytest
import time_machine

from core.dates import chinese_date
from inforequests import services

from .factories import make_case

pytestmark = pytest.mark.django_db
D = dt.date
PADDED = re.compile(r"年0\d月|月0\d日")


@time_machine.travel(dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC), tick=False)  # Tue 8 Dec 2026, 10:00 in Shanghai
def test_the_receipt_and_the_notices_after_it_write_their_dates_unpadded():
    case = make_case(received_on=D(2026, 12, 6))
    receipt = case.notices.get(key="receipt")
    assert "于2026年12月6日收到" in receipt.body and "将在2027年1月4日" in receipt.body
    case = services.case_request_correction(case=case, notice_on=D(2026, 12, 7), reason="请说明年份。")
    case = services.case_withdraw(case=case, withdrawn_on=D(2026, 12, 8))
    bodies = list(case.notices.values_list("body", flat=True))
    assert "于2026年12月8日撤回" in bodies[-1] and "请于2026年12" in bodies[1]
    assert len(bodies) == 3 and not [body for body in bodies if PADDED.search(body)]


def test_one_helper_writes_the_dates():
    assert chinese_date(D(2027, 1, 4)) == "2027年1月4日"
    assert chinese_date(D(2026, 12, 16)) == "2026年12月16日"
