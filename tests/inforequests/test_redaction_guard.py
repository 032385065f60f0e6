"""The guard on 隐私处理后公开 and 转为主动公开: published text must not hold the applicant's
particulars in any usual spelling (a phone in groups, an ID number with spaces or a lower-case
x, full-width digits or Chinese numerals, an address with spaces, an e-mail in capitals), and every particular the
case holds is checked, 电子邮箱 and 联系人 included. Text that holds none of them passes."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from inforequests import services
from inforequests.models import Case, Outcome

from .factories import make_case

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)  # noon in Shanghai
CONTACT = "李联系"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def answered(**applicant):
    case = make_case(received_on=dt.date(2026, 11, 2), contact_person=CONTACT, **applicant)  # consenting
    return services.case_reply(
        case=case, outcome=Outcome.GRANTED, replied_on=dt.date(2026, 11, 20), reply_text="予以公开"
    )


def refusal(case, *, request_text="申请道路养护计划", reply_text="予以公开。"):
    with pytest.raises(ValidationError) as refused:
        services.case_publish(case=case, request_text=request_text, reply_text=reply_text)
    assert Case.objects.get(pk=case.pk).published_at is None
    return refused.value.message_dict


# Spellings of the factory's applicant: 张测试申请人, 11010519491231002X, 13912345678,
# 测试市幸福路88号3单元, applicant@example.com.
@pytest.mark.parametrize(
    "label, written",
    [
        ("电话", "139-1234-5678"),
        ("电话", "139 1234 5678"),
        ("电话", "１３９１２３４５６７８"),  # full-width, as Chinese input methods type it
        ("电话", "（+86）139－1234－5678"),
        ("电话", "一三九一二三四五六七八"),  # dictated into the reply
        ("电话", "幺三九 幺二三四 五六七八"),  # 幺 for 1, as phone numbers are read aloud
        ("电话", "壹叁玖壹贰叁肆伍陆柒捌"),
        ("证件号码", "110105 19491231 002x"),
        ("证件号码", "110105-19491231-002X"),
        ("证件号码", "１１０１０５１９４９１２３１００２ｘ"),
        ("证件号码", "壹壹〇壹〇伍壹玖肆玖壹贰叁壹〇〇贰X"),
        ("地址", "测试市 幸福路 88号 3单元"),
        ("地址", "测试市幸福路８８号３单元"),
        ("姓名", "张 测试 申请人"),
        ("电子邮箱", "Applicant@Example.COM"),
        ("电子邮箱", "applicant @ example.com"),
        ("电子邮箱", "ａｐｐｌｉｃａｎｔ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
        ("联系人", "李 联系"),
    ],
)
def test_each_particular_is_found_however_it_is_written(label, written):
    errors = refusal(answered(), reply_text=f"已向申请人答复（{written}）。")
    # On the text that holds it, naming which particular it is.
    assert errors == {"reply_text": [f"公开内容仍含申请人{label}，请先作隐私处理。"]}


def test_the_request_text_is_checked_too_and_every_particular_found_is_named():
    errors = refusal(answered(), request_text="申请人电话139 1234 5678，住测试市 幸福路88号3单元，申请道路养护计划")
    assert errors == {"request_text": ["公开内容仍含申请人电话、地址，请先作隐私处理。"]}


@pytest.mark.parametrize(
    "stored, written",
    [
        ("0871-65123456", "65123456"),
        ("087165123456", "65123456"),  # as the application form stores it: digits only
        ("01065123456", "6512 3456"),
        ("+8613912345678", "139-1234-5678"),
    ],
)
def test_a_phone_is_found_without_its_country_or_area_code(stored, written):
    errors = refusal(answered(phone=stored), reply_text=f"请致电{written}领取。")
    assert "仍含申请人电话" in errors["reply_text"][0]


def test_the_record_title_on_promotion_is_checked_alike():
    case = answered()
    services.case_publish(case=case, request_text="申请道路养护计划", reply_text="予以公开。")
    with pytest.raises(ValidationError, match="记录名称含申请人电子邮箱"):
        services.case_promote_to_catalogue(case=case, title="APPLICANT@example.com申请的道路养护计划")


def test_text_without_the_applicants_particulars_passes():
    """Other numbers (dates, 文号, amounts, the office's own phone, another person's ID) are not
    the applicant's: staff are not stopped for them."""
    case = answered()
    reply = (
        "经查，2026年11月20日（2026-11-20、二〇二六年十一月二十日）已予答复，文号官办通〔2026〕12号，收费0元。"
        "咨询电话0871-63123456、139-8765-4321；另一申请人证件号440524188001010014不在本件。"
        "测试市人民路1号；联系人王经办；office@example.com。"
    )
    case = services.case_publish(case=case, request_text="申请2026年道路养护计划", reply_text=reply)
    assert case.published_at is not None and case.public_reply_text == reply


def test_a_number_too_short_to_tell_apart_is_not_looked_for():
    # An old or paper case may hold a short 证件号码; "2026" would otherwise refuse every date.
    case = answered()
    Case.objects.filter(pk=case.pk).update(id_number="2026", id_type=Case.IdType.OTHER)
    case = services.case_publish(
        case=Case.objects.get(pk=case.pk), request_text="申请道路养护计划", reply_text="2026年11月20日予以公开。"
    )
    assert case.published_at is not None
