"""Unit rules of the catalogue: 文号, sanitizing, keywords, working days."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.working_days import add_working_days, load_calendar, working_days_between
from disclosures.document_numbers import normalize_document_number, validate_document_number
from disclosures.models import DisclosureRecord
from disclosures.sanitize import sanitize_html
from disclosures.services import publication_delay_warning
from tests.disclosures.factories import RecordFactory


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("官办通〔2020〕26号", "官办通〔2020〕26号"),
        ("官办通[2020]26号", "官办通〔2020〕26号"),
        ("官办通(2020)26号", "官办通〔2020〕26号"),
        ("官办通（2020）26号", "官办通〔2020〕26号"),
        ("官办通【2020】26号", "官办通〔2020〕26号"),
        ("官办通〔２０２０〕２６号", "官办通〔2020〕26号"),
        (" 云政发 [2018] 23号 ", "云政发〔2018〕23号"),
        ("", ""),
    ],
)
def test_document_number_lookalikes_are_normalized(raw, expected):
    normalized = normalize_document_number(raw)
    assert normalized == expected
    validate_document_number(normalized)


@pytest.mark.parametrize(
    "bad",
    [
        "官办通2020年26号",
        "官办通〔20〕26号",
        "官办通〔2020〕026号",
        "官办通〔2020〕第26号",
        "〔2020〕26号",
        "官办通〔2020〕26",
    ],
)
def test_invalid_document_numbers_get_a_clear_error(bad):
    with pytest.raises(ValidationError) as error:
        validate_document_number(normalize_document_number(bad))
    assert "六角括号" in str(error.value)


@pytest.mark.parametrize(
    "dirty, forbidden",
    [
        ("<p>正文</p><script>alert(1)</script>", "<script"),
        ('<p onclick="steal()">正文</p>', "onclick"),
        ('<a href="javascript:alert(1)">链接</a>', "javascript:"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<p style="position:fixed">正文</p>', "style="),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ],
)
def test_sanitizer_strips_active_content(dirty, forbidden):
    assert forbidden not in sanitize_html(dirty)


@pytest.mark.django_db
def test_body_is_sanitized_on_save_and_keeps_structure():
    record = RecordFactory(body='<p>第一段</p><script>x()</script><table><tr><td rowspan="2">单元格</td></tr></table>')
    record.refresh_from_db()
    assert "<script" not in record.body
    assert "<p>第一段</p>" in record.body
    assert 'rowspan="2"' in record.body


@pytest.mark.django_db
def test_more_than_five_keywords_is_a_form_error():
    record = RecordFactory.build(keywords="一,二,三,四,五,六")
    record.publisher.save()
    record.topic.save()
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert "keywords" in error.value.message_dict


@pytest.mark.django_db
def test_withheld_needs_a_reason_and_expired_needs_a_date():
    record = RecordFactory(
        disclosure_mode=DisclosureRecord.DisclosureMode.WITHHELD, validity=DisclosureRecord.Validity.REPEALED
    )
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert {"withheld_reason", "invalid_date"} <= set(error.value.message_dict)


@pytest.mark.django_db  # the calendar reads the staff-edited overrides first
def test_working_days_know_the_tiaoxiu_makeup_days():
    # 2023-10-07 (Saturday) was a make-up working day after 国庆.
    assert working_days_between(dt.date(2023, 10, 6), dt.date(2023, 10, 8)) == (2, True)
    # Seed: the letter of 2023-05-31 was published 2023-06-16, 12 working days later.
    assert working_days_between(dt.date(2023, 5, 31), dt.date(2023, 6, 16)) == (12, True)
    # 国庆 2026: Oct 1–7 off, Sat Oct 10 worked; the 20th working day after Fri Sep 25 is Oct 29.
    assert add_working_days(dt.date(2026, 9, 25), 20) == (dt.date(2026, 10, 29), True)


@pytest.mark.django_db
def test_years_without_official_calendar_fall_back_to_weekdays():
    days, exact = working_days_between(dt.date(2031, 1, 1), dt.date(2031, 1, 31))
    assert exact is False and days == 22
    # Less the fixed-date statutory holidays: 劳动节 2031 is Thu 1 and Fri 2 May.
    assert working_days_between(dt.date(2031, 4, 30), dt.date(2031, 5, 6)) == (2, False)
    assert working_days_between(dt.date(2030, 12, 31), dt.date(2031, 1, 2)) == (1, False)  # 元旦 (Wed)
    assert "元旦" in load_calendar().describe(dt.date(2031, 1, 1))[2]


@pytest.mark.django_db
def test_article_26_warning_only_past_twenty_working_days():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    assert (
        publication_delay_warning(written=dt.date(2023, 5, 31), published=dt.datetime(2023, 6, 16, 17, 19, tzinfo=tz))
        is None
    )
    warning = publication_delay_warning(
        written=dt.date(2023, 5, 31), published=dt.datetime(2023, 7, 31, 9, 0, tzinfo=tz)
    )
    assert warning and "第二十六条" in warning


@pytest.mark.parametrize(
    "code", ["11441700007280420Y", "114403006955506492", "11341702486344515H", "11530111015117762Y"]
)
def test_real_credit_codes_pass_the_gb32100_check(code):
    from disclosures.codes import validate_credit_code_checksum

    validate_credit_code_checksum(code)


@pytest.mark.django_db
def test_mistyped_codes_are_form_errors():
    from disclosures.models import Organization

    Organization(name="昆明市官渡区人民政府", org_code="015117762").full_clean()  # the seed's code is valid
    with pytest.raises(ValidationError) as error:
        Organization(name="某机构", org_code="015117763", credit_code="11441700007280420X").full_clean()
    assert "校验码" in str(error.value.message_dict["org_code"]) and "credit_code" in error.value.message_dict
