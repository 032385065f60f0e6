"""Outcomes that name what happened on a case are counted in their own row of 年报 table 三:
the case must have gone that way."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from inforequests import services
from inforequests.models import Outcome

from .factories import make_case

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)  # Saturday noon in Shanghai


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_still_unclear_after_correction_needs_a_correction_received():
    """(四)无法提供 3.补正后申请内容仍不明确: only after the applicant's 补正 came in."""
    case = make_case(received_on=D(2026, 11, 2))
    with pytest.raises(ValidationError) as refused:
        services.case_reply(case=case, outcome=Outcome.UNABLE_UNCLEAR, replied_on=D(2026, 11, 20), reply_text="不明确")
    assert "补正后申请内容仍不明确" in refused.value.message_dict["outcome"][0]

    case = services.case_request_correction(case=case, notice_on=D(2026, 11, 3), reason="请写明文件名称")
    case = services.case_receive_correction(case=case, received_on=D(2026, 11, 10))
    case = services.case_reply(
        case=case, outcome=Outcome.UNABLE_UNCLEAR, replied_on=D(2026, 11, 20), reply_text="补正后仍不明确"
    )
    assert case.outcome == Outcome.UNABLE_UNCLEAR
