"""The guard on 隐私处理后公开 and 转为主动公开: published text must not hold the applicant's
particulars in any usual spelling (a phone in groups, an ID number with spaces or a lower-case
x, full-width digits or Chinese numerals, an address with spaces, an e-mail in capitals), and every particular the
case holds is checked, 电子邮箱 and 联系人 included, those it held before a correction, and a
third party's asked for its opinion (征求意见, Art. 32). Text that holds none of them passes."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from inforequests import services
from inforequests.models import Case, Outcome, Pause

from .factories import make_case

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)  # noon in Shanghai
CONTACT = "李联系"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


THIRD_PARTY = "某某建材有限公司（联系人李四，电话0871-6512 3456）"


def answered(*, consulted=(), **applicant):
    """A consenting applicant's case, answered; `consulted`: (kind, party) asked for an opinion first."""
    case = make_case(received_on=dt.date(2026, 11, 2), contact_person=CONTACT, **applicant)  # consenting
    for n, (kind, party) in enumerate(consulted):
        day = dt.date(2026, 11, 3 + 2 * n)
        case = services.case_start_consultation(case=case, kind=kind, party=party, started_on=day)
        case = services.case_end_consultation(case=case, ended_on=day + dt.timedelta(days=1))
    return services.case_reply(
        case=case,
        outcome=Outcome.GRANTED,
        replied_on=dt.date(2026, 11, 20),
        reply_text="予以公开",
        third_party_reason="第三方书面同意公开" if consulted else "",
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


# 征求意见 (Art. 32): what the agency asked a third party about is its 商业秘密 or 个人隐私; its
# name, contact person and numbers are as much not to be published as the applicant's.
@pytest.mark.parametrize(
    "written, found",
    [
        ("经征求某某建材有限公司意见", "姓名或名称（某*******）"),
        ("经征求某某 建材有限公司意见", "姓名或名称（某*******）"),
        ("第三方联系人李四来函同意公开", "联系人（李*）"),
        ("第三方来电0871-6512 3456同意公开", "电话（0871****3456）"),
        ("第三方来电（0871）65123456同意公开", "电话（0871****3456）"),
        ("第三方来电６５１２３４５６同意公开", "电话（0871****3456）"),  # full-width, as typed
        ("第三方来电六五一二 三四五六同意公开", "电话（0871****3456）"),  # dictated
        ("第三方来电陆伍壹贰叁肆伍陆同意公开", "电话（0871****3456）"),
    ],
)
@pytest.mark.parametrize("field", ["request_text", "reply_text"])
def test_a_third_partys_particulars_are_refused_and_shown_masked(field, written, found):
    case = answered(consulted=[(Pause.Kind.THIRD_PARTY, THIRD_PARTY)])
    errors = refusal(case, **{field: f"申请道路养护计划。{written}。"})
    # On the text that holds it, naming whose and which it is, and never the value in full.
    assert errors == {field: [f"公开内容仍含征求意见第三方的{found}，请先作隐私处理。"]}


def test_every_part_of_a_third_party_found_is_named_beside_the_applicants():
    case = answered(consulted=[(Pause.Kind.THIRD_PARTY, THIRD_PARTY)])
    errors = refusal(
        case, reply_text="经征求某某建材有限公司（联系人李四，电话 0871 6512 3456）意见，电话139 1234 5678"
    )
    message = "公开内容仍含申请人电话；征求意见第三方的姓名或名称（某*******）、联系人（李*）、电话（0871****3456），请先作隐私处理。"
    assert errors == {"reply_text": [message]}
    assert "李四" not in message and "6512" not in message


def test_a_third_party_as_its_pause_read_before_an_edit_is_refused_too():
    case = answered(consulted=[(Pause.Kind.THIRD_PARTY, "王五（手机13800001111）")])
    pause = case.pauses.get()
    pause.party = "某单位"  # corrected in the admin afterwards: the letters still name 王五
    pause.save()
    errors = refusal(case, reply_text="已告知王五。")
    assert errors == {"reply_text": ["公开内容仍含征求意见第三方的姓名或名称（王*），请先作隐私处理。"]}


@pytest.mark.parametrize("kind", [Pause.Kind.THIRD_PARTY, Pause.Kind.AGENCY])
def test_another_agency_asked_is_not_personal_data(kind):
    """征求其他机关意见 (Art. 33): an agency's name and its office phone may be published; the same
    words as a third party's are its particulars."""
    case = answered(consulted=[(kind, "测试区档案馆（电话0871-6512 3456）")])
    reply = "经征求测试区档案馆意见（电话0871-6512 3456），予以公开。"
    if kind == Pause.Kind.THIRD_PARTY:
        message = "公开内容仍含征求意见第三方的姓名或名称（测*****）、电话（0871****3456），请先作隐私处理。"
        assert refusal(case, reply_text=reply) == {"reply_text": [message]}
    else:
        case = services.case_publish(case=case, request_text="申请道路养护计划", reply_text=reply)
        assert case.published_at is not None and case.public_reply_text == reply


def test_a_name_corrected_mid_case_is_refused_as_it_was_first_typed():
    """The 受理回执 gave the name as first typed; a reply copied from it must not publish it."""
    case = make_case(received_on=dt.date(2026, 11, 2), name="王小五")
    case.name = "王晓武"
    services.case_correct_applicant(case=case, changed=["name"], reason="登记时录错")
    case = services.case_reply(
        case=case, outcome=Outcome.GRANTED, replied_on=dt.date(2026, 11, 20), reply_text="予以公开"
    )
    errors = refusal(case, reply_text="王小五：你提出的申请予以公开。")
    assert errors == {"reply_text": ["公开内容仍含申请人此前登记的姓名（王**），请先作隐私处理。"]}
    assert "王小五" not in errors["reply_text"][0]


def test_the_fully_redacted_consulted_case_is_published():
    """Staff are stopped at the draft that names the third party, and publish it redacted."""
    case = answered(
        consulted=[(Pause.Kind.THIRD_PARTY, THIRD_PARTY), (Pause.Kind.AGENCY, "测试区档案馆")],
        name="王小五",
    )
    request = "申请人：王*；申请公开某路段道路养护计划。"
    draft = "经征求某某建材有限公司（联系人李四）及测试区档案馆意见，予以公开。咨询电话0871-63123456。"
    assert "reply_text" in refusal(case, request_text=request, reply_text=draft)
    reply = "经征求第三方（某公司）及测试区档案馆意见，予以公开。咨询电话0871-63123456。"
    case = services.case_publish(case=case, request_text=request, reply_text=reply)
    assert case.published_at is not None
    assert (case.public_request_text, case.public_reply_text) == (request, reply)


def test_what_the_erasure_left_is_no_ones_particular(settings):
    """After the period (retention.py) the reply reads “（已删除）：…〔已删除〕…”: published as it
    is, the markers are not taken for the applicant's name or a third party's."""
    from inforequests import retention

    settings.INFOREQUESTS_KEEP_PARTICULARS_YEARS = 1
    case = services.case_archive(case=answered(consulted=[(Pause.Kind.THIRD_PARTY, THIRD_PARTY)]))
    assert retention.erase_expired_particulars(today=dt.date(2028, 1, 1)) == [case.number]
    reply = "（已删除）：经征求〔已删除〕意见，予以公开。"
    case = services.case_publish(case=Case.objects.get(pk=case.pk), request_text="申请道路养护计划", reply_text=reply)
    assert case.published_at is not None and case.public_reply_text == reply


@pytest.mark.parametrize(
    "party",
    [
        "某某建材有限公司（Tel: 0871-65123456）",  # a bilingual letterhead's label
        "Acme Building Materials Co. 0871-65123456",  # a company known by its Latin name
        "某某建材有限公司（联系人 Li Si 0871-65123456）",
    ],
)
def test_a_third_partys_number_written_after_a_latin_word_is_refused_on_its_own(party):
    """The number is not run together with the word before it (“TEL087165123456”, which no
    reply holds): a reply giving the number alone is refused."""
    case = answered(consulted=[(Pause.Kind.THIRD_PARTY, party)])
    errors = refusal(case, reply_text="第三方来电0871-65123456同意公开。")
    assert "征求意见第三方的电话（0871****3456）" in errors["reply_text"][0]
