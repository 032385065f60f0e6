"""An address is written in part as often as whole: a reply names the road and number, or the
flat, without the city and district. The publication guard refuses such a part and the erasure
takes it out, as it does the whole (inforequests.particulars.address_parts)."""

import datetime as dt

import pytest

from inforequests import retention, services
from inforequests.models import Outcome, Pause
from inforequests.particulars import address_parts, folded_text

from .factories import make_case

pytestmark = pytest.mark.django_db
HOME = "云南省昆明市官渡区关上街道春城路123号5栋2单元301室"


@pytest.mark.parametrize(
    ("address", "parts"),
    [
        (HOME, ["春城路123号", "5栋2单元301室"]),
        ("昆明市盘龙区金星小区12栋3单元502室", ["金星小区12栋", "12栋3单元502室"]),
        ("北京市海淀区学院路5号院3号楼2单元402室", ["学院路5号院", "5号院3号楼2单元402室"]),
        ("北京市朝阳区建国门外大街1号国贸大厦A座1801室", ["建国门外大街1号", "国贸大厦a座", "a座1801室"]),
        ("测试市 幸福路８８号", ["幸福路88号"]),  # as typed: a space, full-width digits
        # 里 inside the estate's name: the estate read whole, not "小区b座" (in many addresses)
        ("昆明市幸福里小区B座12层1203室", ["幸福里小区b座", "b座12层1203室"]),
        # a door number alone, a road alone, a name: in many texts, no one's on their own
        ("测试市幸福路88号3单元", ["幸福路88号"]),
        ("春城路", []),
        ("王栋", []),
        ("张三", []),
    ],
)
def test_the_parts_of_an_address_that_name_a_place_on_their_own(address, parts):
    assert address_parts(folded_text(address)) == parts


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("经核查，春城路123号的房屋登记信息予以公开。", "申请人地址"),
        ("您所述5栋2单元301室的情况已转交物业。", "申请人地址"),
        ("您所述 5 栋 2 单元 301 室的情况已转交物业。", "申请人地址"),
        ("春城路道路改造的信息予以公开。", ""),
        ("301室的租赁合同不属于本机关公开范围。", ""),
    ],
)
def test_the_guard_refuses_a_text_giving_part_of_the_applicants_address(text, found):
    case = make_case(address=HOME)
    assert services._personal_data_in(case, text) == found


def test_a_third_partys_address_in_part_is_refused_too():
    case = make_case()
    case = services.case_start_consultation(
        case=case,
        kind=Pause.Kind.THIRD_PARTY,
        party="测试物业公司（地址：测试市和平路9号）",
        started_on=case.received_on + dt.timedelta(days=1),
        reason="涉及其经营信息",
    )
    assert services._personal_data_in(case, "经征求和平路9号的意见").startswith("征求意见第三方的地址")


def test_the_erasure_takes_out_the_parts_of_the_address_too(settings):
    settings.INFOREQUESTS_KEEP_PARTICULARS_YEARS = 2
    case = make_case(address=HOME, received_on=dt.date(2024, 12, 2))
    reply = "经核查，春城路123号（5栋2单元301室）的房屋登记信息予以公开。"
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=dt.date(2024, 12, 20), reply_text=reply)
    case = services.case_archive(case=case)
    assert retention.erase_expired_particulars(today=dt.date(2027, 1, 1)) == [case.number]
    case.refresh_from_db()
    assert case.reply_text == "经核查，〔已删除〕（〔已删除〕）的房屋登记信息予以公开。"
