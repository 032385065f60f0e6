"""The application form as people in China type it: landlines with the area code in brackets
and an extension, dashes from a Chinese input method, long pasted text."""

import pytest
from django.core.exceptions import ValidationError

from inforequests import services
from inforequests.forms import clean_phone

from .factories import make_case
from .test_public import STATUS, agency, confirm, form_data  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("(0871)65123456", "087165123456"),
        ("（０８７１）６５１２３４５６", "087165123456"),
        ("0871—65123456", "087165123456"),  # the dash a Chinese input method types
        ("0871－6512－3456", "087165123456"),
        ("+86 (0871) 6512-3456", "+86087165123456"),
        ("0871-65123456转8001", "087165123456转8001"),
        ("0871-65123456 转 8001", "087165123456转8001"),
        ("（0871）65123456分机8001", "087165123456转8001"),
        ("0871-65123456 ext. 8001", "087165123456转8001"),
        ("+86 138 0000 1234", "+8613800001234"),
    ],
)
def test_a_landline_as_people_write_it_is_taken(typed, kept):
    """Brackets round the area code and an extension were refused ("应为7至15位数字") although
    the number had 12 digits."""
    assert clean_phone(typed) == kept


@pytest.mark.parametrize("typed", ["abc", "123", "0871-65123456转", "转8001", "0871-65123456转123456789"])
def test_what_is_not_a_phone_number_is_still_refused(typed):
    with pytest.raises(ValidationError, match="分机"):
        clean_phone(typed)


def test_a_landline_with_an_extension_is_registered_and_found_with_its_last_four_digits(client, agency):  # noqa: F811
    done = confirm(client, form_data(agency, phone="（0871）6512-3456 转 8001"))
    assert done.status_code == 302
    case = services.Case.objects.get()
    assert case.phone == "087165123456转8001"
    code = client.session["inforequests_receipt"]["code"]
    assert client.post(STATUS, {"query_code": code, "tail": "3456"}).status_code == 200  # the number's
    assert client.post(STATUS, {"query_code": code, "tail": "8001"}).status_code == 200  # the extension's


def test_the_redaction_guard_finds_a_landline_with_an_extension_without_its_area_code():
    case = make_case(phone="087165123456转8001")
    assert services._personal_data_in(case, "请拨打 6512 3456 联系") == "申请人电话"


def test_text_longer_than_allowed_comes_back_whole_with_a_message(client, agency):  # noqa: F811
    """The inputs carried maxlength: a browser cut pasted text off at the limit without a word,
    and counted a rare character (𠀀, an emoji) as two, so a name of 67 such characters was
    cut short although 100 are allowed. The server counts and says so beside the field."""
    page = client.get("/disclosures/apply/").content.decode()
    assert "maxlength" not in page.split('id="apply-form"', 1)[1].split("</form>", 1)[0]
    long = "描𠀀" * 1501
    name = "王𠀀" * 50  # 100 characters: allowed
    response = client.post("/disclosures/apply/", form_data(agency, description=long, name=name))
    body = response.content.decode()
    assert response.status_code == 400 and "所需信息的特征描述最多3000字（当前3002字）" in body
    assert long in body and name in body and "姓名或名称最多" not in body


def test_staff_find_an_applicants_cases_by_the_id_number_as_they_type_it(client):
    """An applicant calls about their request: staff could search the case list by 申请编号
    only (the particulars are encrypted), not by the ID number the applicant reads out."""
    from tests.staff import sign_in_staff

    from .factories import OTHER_PERSON_ID, PERSON_ID, AgencyFactory, staff_user

    mine = make_case()
    other_agency = make_case(agency=AgencyFactory().organization)  # the same person, elsewhere
    someone_else = make_case(agency=mine.agency, id_number=OTHER_PERSON_ID)
    sign_in_staff(client, staff_user("clerk", mine.agency))
    typed = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert PERSON_ID == "11010519491231002X"
    page = client.get("/admin/inforequests/case/", {"q": typed}).content.decode()
    assert mine.number in page
    assert other_agency.number not in page and someone_else.number not in page  # still scoped
    page = client.get("/admin/inforequests/case/", {"q": mine.number}).content.decode()
    assert mine.number in page and someone_else.number not in page


def test_the_same_application_confirmed_from_a_second_tab_or_after_going_back_is_one_case(client, agency):  # noqa: F811
    """Back from the receipt to the form, 下一步 and 确认提交 again (or the form open in two
    tabs): each check step made its own confirmation page, and each registered a case."""
    import re

    from .test_public import APPLY

    def confirmation_page():
        html = client.post(APPLY, form_data(agency)).content.decode()
        return re.search(r'name="submission" value="([^"]+)"', html).group(1)

    first_tab, second_tab = confirmation_page(), confirmation_page()
    sent = client.post(APPLY, {**form_data(agency), "step": "confirm", "submission": first_tab})
    again = client.post(APPLY, {**form_data(agency), "step": "confirm", "submission": second_tab})
    assert sent.status_code == again.status_code == 302 and again["Location"] == sent["Location"]
    assert services.Case.objects.count() == 1
    later = client.post(APPLY, {**form_data(agency), "step": "confirm", "submission": confirmation_page()})
    assert later.status_code == 302 and services.Case.objects.count() == 1
    # Something else typed is another application.
    assert confirm(client, form_data(agency, description="另一份文件")).status_code == 302
    assert services.Case.objects.count() == 2


def test_an_invisible_mark_pasted_with_a_number_is_dropped_not_refused(client, agency):  # noqa: F811
    """Copied from a chat or a web page, an ID number or phone carries a zero-width space or a
    byte-order mark: refused as "应为18位" although 18 characters show, with nothing to delete."""
    from .factories import PERSON_ID

    done = confirm(
        client, form_data(agency, id_number=f"\u200b{PERSON_ID}\u200b", phone="\ufeff139\u200d1234\u20605678")
    )
    assert done.status_code == 302
    case = services.Case.objects.get()
    assert (case.id_number, case.phone) == (PERSON_ID, "13912345678")
    code = client.session["inforequests_receipt"]["code"]
    assert client.post(STATUS, {"query_code": f"\u200b{code}", "tail": "5678\u200b"}).status_code == 200


def test_the_redaction_guard_sees_a_name_through_invisible_marks():
    """A name typed with a zero-width space (张\\u200b三) did not match 张三 in a reply to publish."""
    case = make_case(name="张\u200b三丰")
    assert services._personal_data_in(case, "申请人张三丰要求公开") == "申请人姓名"
    case = make_case(name="张三丰")
    assert services._personal_data_in(case, "申请人张\u200b三丰要求公开") == "申请人姓名"


@pytest.mark.parametrize("typed", ["139 1234 5678", "+86 139-1234-5678", "１３９１２３４５６７８", "0086 13912345678"])
def test_staff_find_an_applicants_cases_by_the_phone_number_as_they_type_it(client, typed):
    """The other particular an applicant reads out on the phone: encrypted, so not searchable."""
    from tests.staff import sign_in_staff

    from .factories import PHONE, staff_user

    assert PHONE == "13912345678"
    mine = make_case()
    landline = make_case(agency=mine.agency, phone="087165123456转8001")
    sign_in_staff(client, staff_user("clerk", mine.agency))
    page = client.get("/admin/inforequests/case/", {"q": typed}).content.decode()
    assert mine.number in page and landline.number not in page
    page = client.get("/admin/inforequests/case/", {"q": "（0871）6512-3456"}).content.decode()
    assert landline.number in page and mine.number not in page


def test_a_corrected_phone_number_is_found_by_its_new_value(client):
    from tests.staff import sign_in_staff

    from .factories import staff_user

    case = make_case()
    case.phone = "13800001111"
    services.case_correct_applicant(case=case, changed=["phone"], reason="登记时录错")
    sign_in_staff(client, staff_user("clerk", case.agency))
    assert case.number in client.get("/admin/inforequests/case/", {"q": "138 0000 1111"}).content.decode()
    assert case.number not in client.get("/admin/inforequests/case/", {"q": "139 1234 5678"}).content.decode()


def test_an_email_address_typed_in_full_width_is_taken(client, agency):  # noqa: F811
    """A Chinese input method types ＠ and full-width letters: refused as 格式不正确."""
    done = confirm(client, form_data(agency, email="Ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ"))
    assert done.status_code == 302
    assert services.Case.objects.get().email == "Zhang@example.com"
