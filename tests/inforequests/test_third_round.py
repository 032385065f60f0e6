"""What a third tester broke in 依申请公开 (staff side): 补正, 收到补正, 征求意见结束 and 延期
took dates in the future (a mistyped year moved a deadline by months); 逾期不补正 and 逾期未缴费
closed cases whose applicant had corrected or paid; any case, of anyone, answered or not, could
be linked as the original of a 重复申请; a 录入员 published redacted text on the public site;
a second 告知补正 was offered that could only fail."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.dates import chinese_date
from inforequests import services
from inforequests.models import Case, Outcome, Pause
from inforequests.views import available_actions

from .factories import make_case, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]
D = dt.date


def test_no_step_is_dated_after_today():
    case = make_case(received_on=D(2026, 12, 1))
    with pytest.raises(ValidationError, match="补正通知日期不能晚于今天"):
        services.case_request_correction(case=case, notice_on=D(2026, 12, 7), reason="请写明文号")
    case = services.case_request_correction(case=case, notice_on=D(2026, 12, 2), reason="请写明文号")
    with pytest.raises(ValidationError, match="收到补正日期不能晚于今天"):
        services.case_receive_correction(case=case, received_on=D(2027, 3, 1))
    case = services.case_receive_correction(case=case, received_on=D(2026, 12, 4))
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.AGENCY, party="区财政局", started_on=D(2026, 12, 4)
    )
    with pytest.raises(ValidationError, match="结束日期不能晚于今天"):
        services.case_end_consultation(case=case, ended_on=D(2027, 2, 1))
    case = services.case_end_consultation(case=case, ended_on=D(2026, 12, 5))
    with pytest.raises(ValidationError, match="延期决定日期不能晚于今天"):
        services.case_extend(case=case, days=20, approver="张主任", reason="需要调取档案", on=D(2026, 12, 10))
    assert Case.objects.get(pk=case.pk).extension_days == 0


def test_lapsed_outcomes_are_refused_once_the_applicant_corrected_or_paid():
    corrected = make_case(received_on=D(2026, 11, 2))
    corrected = services.case_request_correction(case=corrected, notice_on=D(2026, 11, 3), reason="请写明文号")
    corrected = services.case_receive_correction(case=corrected, received_on=D(2026, 11, 6))
    with pytest.raises(ValidationError, match="已于2026年11月6日补正"):
        services.case_reply(
            case=corrected, outcome=Outcome.OTHER_NO_CORRECTION, replied_on=D(2026, 11, 20), reply_text="逾期不补正"
        )
    agency = make_case(received_on=D(2026, 11, 3)).agency
    for _ in range(9):
        make_case(agency=agency, received_on=D(2026, 11, 3))
    paid = make_case(agency=agency, received_on=D(2026, 11, 3))  # the eleventh this month: charged
    paid = services.case_request_fee(case=paid, notice_on=D(2026, 11, 4))
    paid = services.case_record_payment(case=paid, paid_on=D(2026, 11, 5))
    with pytest.raises(ValidationError, match="已于2026年11月5日缴费"):
        services.case_reply(
            case=paid, outcome=Outcome.OTHER_UNPAID, replied_on=D(2026, 11, 20), reply_text="逾期未缴费"
        )


def test_a_repeat_links_only_to_the_same_applicants_answered_request_of_the_agency():
    original = make_case(received_on=D(2026, 11, 2))
    again = make_case(agency=original.agency, received_on=D(2026, 11, 23))
    with pytest.raises(ValidationError, match="尚未答复"):
        services.case_link_duplicate(case=again, original=original)
    services.case_reply(case=original, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 20), reply_text="予以公开")
    stranger = make_case(agency=original.agency, received_on=D(2026, 11, 23), id_number="530102199001010028")
    with pytest.raises(ValidationError, match="其他申请人"):
        services.case_link_duplicate(case=stranger, original=original)
    elsewhere = make_case(received_on=D(2026, 11, 23))  # another agency, the same applicant
    with pytest.raises(ValidationError, match="本机关没有这个申请编号"):
        services.case_link_duplicate(case=elsewhere, original=original)
    assert services.case_link_duplicate(case=again, original=original).duplicate_of == original


def test_correction_is_offered_once_and_publishing_to_reviewers_only():
    case = make_case(received_on=D(2026, 12, 1))
    clerk = staff_user("clerk", case.agency)
    assert "correction" in available_actions(case, clerk)
    case = services.case_request_correction(case=case, notice_on=D(2026, 12, 2), reason="请写明文号")
    case = services.case_receive_correction(case=case, received_on=D(2026, 12, 3))
    assert "correction" not in available_actions(case, clerk)
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 12, 4), reply_text="予以公开")
    assert "publish" not in available_actions(case, clerk)
    reviewer = staff_user("final", case.agency, perms=())
    from django.contrib.auth.models import Permission

    reviewer.user_permissions.add(Permission.objects.get(codename="publish_disclosurerecord"))
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    assert "publish" in available_actions(case, reviewer)


def test_opening_an_applicants_particulars_is_in_the_audit_log(client):
    from audit.models import Action, AuditEntry
    from tests.staff import sign_in_staff

    case = make_case(received_on=D(2026, 12, 1))
    clerk = staff_user("clerk", case.agency)
    sign_in_staff(client, clerk)
    assert client.get(f"/disclosures/apply/staff/{case.pk}/").status_code == 200
    notice = case.notices.get()
    assert client.get(f"/disclosures/apply/staff/notices/{notice.pk}/").status_code == 200
    assert client.get(f"/admin/inforequests/case/{case.pk}/change/").status_code == 200
    opened = AuditEntry.objects.filter(action=Action.PERSONAL_DATA_VIEW, target_id=str(case.pk))
    assert sorted(opened.values_list("detail", flat=True)) == sorted(
        ["打开办理页面", f"打开告知书：{notice.title}", "打开修改页"]
    )
    assert set(opened.values_list("actor_name", flat=True)) == {"clerk"}


def test_a_recomputation_after_a_calendar_change_names_who_changed_it(rf, django_capture_on_commit_callbacks):
    from simple_history.models import HistoricalRecords

    from core.models import WorkingDayOverride
    from inforequests.models import CaseEvent

    case = make_case(received_on=D(2026, 11, 30))
    clerk = staff_user("calendar-keeper", case.agency)
    request = rf.post("/admin/core/workingdayoverride/add/")
    request.user = clerk
    HistoricalRecords.context.request = request
    try:
        with django_capture_on_commit_callbacks(execute=True):
            WorkingDayOverride.objects.create(date=D(2026, 12, 9), is_workday=False, note="测试调整")
    finally:
        del HistoricalRecords.context.request
    assert CaseEvent.objects.get(case=case, action="期限重算").user == clerk


def _admin_form_data(client, url, **changes):
    """The case admin's form as shown, with `changes` (inline management forms included)."""
    response = client.get(url)
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else (value.pk if hasattr(value, "pk") else value)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_staff_correct_an_applicants_particulars_validated_with_a_reason_on_record(client):
    from inforequests.models import CaseEvent
    from tests.staff import sign_in_staff

    case = make_case(received_on=D(2026, 12, 1))
    old_key = case.applicant_key
    sign_in_staff(client, staff_user("clerk", case.agency))
    url = f"/admin/inforequests/case/{case.pk}/change/"
    response = client.post(url, _admin_form_data(client, url, id_number="abc"))
    assert response.status_code == 200 and "id_number" in response.context["adminform"].form.errors
    response = client.post(url, _admin_form_data(client, url, id_number="530102199001010028"))
    assert "更正原因" in str(response.context["adminform"].form.errors["correction_reason"])
    assert Case.objects.get(pk=case.pk).applicant_key == old_key
    response = client.post(
        url, _admin_form_data(client, url, id_number="530102199001010028", correction_reason="登记时录错，已核实")
    )
    assert response.status_code == 302
    corrected = Case.objects.get(pk=case.pk)
    assert corrected.id_number == "530102199001010028" and corrected.applicant_key != old_key
    event = CaseEvent.objects.get(case=case, action="更正申请人信息")
    assert "证件号码" in event.reason and "登记时录错" in event.reason and "530102" not in event.reason


def test_the_statement_of_rights_names_the_agencys_reconsideration_body():
    """Since the revised 行政复议法 (2024) a district department's 复议机关 is the district
    government: the notice names the body the agency set, never "上一级行政机关"."""
    from inforequests.models import Agency

    case = make_case(received_on=D(2026, 11, 2))
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 20), reply_text="予以公开。")
    notice = case.notices.exclude(key="receipt").get()
    assert "上一级行政机关" not in notice.body
    assert "六十日内依法申请行政复议" in notice.body and "六个月内依法向人民法院提起行政诉讼" in notice.body
    Agency.objects.filter(organization=case.agency).update(reconsideration_body="昆明市官渡区人民政府")
    other = make_case(agency=case.agency, received_on=D(2026, 11, 2))
    other = services.case_reply(
        case=other, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 20), reply_text="予以公开。"
    )
    assert "六十日内依法向昆明市官渡区人民政府申请行政复议" in other.notices.exclude(key="receipt").get().body


def test_a_year_entered_in_full_makes_deadlines_running_into_it_exact(django_capture_on_commit_callbacks):
    """A year chinesecalendar does not know yet: once staff have entered its State Council notice
    and say so (core.WorkingDayYear), its plain days are exact and the deadlines stop being 暂定."""
    import chinese_calendar

    from core.models import WorkingDayOverride, WorkingDayYear
    from core.working_days import load_calendar
    from inforequests.models import CaseEvent

    year = next(y for y in range(2026, 2100) if _unknown(chinese_calendar, y))
    with time_machine.travel(dt.datetime(year - 1, 12, 28, 4, 0, tzinfo=dt.UTC), tick=False):
        case = make_case(received_on=D(year - 1, 12, 21))
        assert case.due_on.year == year and not case.due_exact
        with django_capture_on_commit_callbacks(execute=True):
            WorkingDayOverride.objects.create(date=D(year, 1, 1), is_workday=False, note=f"{year}年元旦")
        case.refresh_from_db()
        assert not case.due_exact  # one day of the notice is not the whole notice
        with django_capture_on_commit_callbacks(execute=True):
            WorkingDayYear.objects.create(year=year, note="国办发明电（测试）")
        case.refresh_from_db()
        assert case.due_exact
        assert CaseEvent.objects.filter(case=case, action="期限重算", reason__contains="全年放假安排已录入").exists()
        workday, exact, why = load_calendar().describe(D(year, 1, 5) + dt.timedelta(days=(0 - D(year, 1, 5).weekday())))
        assert workday and exact and "全年放假安排已录入" in why


def _unknown(chinese_calendar, year):
    try:
        chinese_calendar.is_workday(D(year, 6, 3))
    except NotImplementedError:
        return True
    return False


def test_a_third_party_is_asked_in_writing_and_told_of_a_decision_to_disclose():
    """Art. 32: the third party gets a written request for its opinion (15 working days) and, if
    the agency discloses, the content and the reason in writing. Neither letter names the
    applicant, and the applicant's status page shows neither."""
    from inforequests import selectors
    from inforequests.models import Notice

    from .factories import APPLICANT_NAME

    case = make_case(received_on=D(2026, 11, 2))
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.THIRD_PARTY, party="某建材公司", started_on=D(2026, 11, 4)
    )
    letter = case.notices.get(key="third_party_consultation")
    assert letter.addressee == Notice.Addressee.THIRD_PARTY
    assert (
        "某建材公司" in letter.body and "第三十二条" in letter.body and chinese_date(case.waiting_until) in letter.body
    )
    assert APPLICANT_NAME not in letter.body
    case = services.case_end_consultation(case=case, ended_on=D(2026, 11, 11))
    with pytest.raises(ValidationError) as refused:
        services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 20), reply_text="予以公开。")
    assert "third_party_reason" in refused.value.message_dict
    case = services.case_reply(
        case=case,
        outcome=Outcome.GRANTED,
        replied_on=D(2026, 11, 20),
        reply_text="予以公开。",
        third_party_reason="所涉信息为行政许可结果，不公开可能对公共利益造成重大影响。",
    )
    told = case.notices.get(key="third_party_disclosure")
    assert told.addressee == Notice.Addressee.THIRD_PARTY and "对公共利益造成重大影响" in told.body
    assert "贵方对本决定不服" in told.body and APPLICANT_NAME not in told.body
    shown = [notice.key for notice in selectors.notices_for_applicant(Case.objects.get(pk=case.pk))]
    assert "third_party_consultation" not in shown and "third_party_disclosure" not in shown
    assert "consultation" in shown and Outcome.GRANTED in shown


def test_withholding_after_a_consultation_needs_no_letter_to_the_third_party():
    case = make_case(received_on=D(2026, 11, 2))
    case = services.case_start_consultation(
        case=case, kind=Pause.Kind.THIRD_PARTY, party="某建材公司", started_on=D(2026, 11, 4)
    )
    case = services.case_end_consultation(case=case, ended_on=D(2026, 11, 11))
    case = services.case_reply(
        case=case, outcome="denied_third_party", replied_on=D(2026, 11, 20), reply_text="不予公开。"
    )
    assert not case.notices.filter(key="third_party_disclosure").exists()


def test_the_case_history_list_names_corrected_particulars_without_their_values_and_is_audited(client):
    """A reviewer's find: after a correction, the history list showed the old and the new
    证件号码 and phone in clear, to anyone paging through it, unlogged."""
    from audit.models import Action, AuditEntry
    from tests.staff import sign_in_staff

    case = make_case(received_on=D(2026, 12, 1))
    sign_in_staff(client, staff_user("clerk", case.agency))
    url = f"/admin/inforequests/case/{case.pk}/change/"
    data = _admin_form_data(
        client, url, id_number="530102199001010028", phone="13800001111", correction_reason="登记时录错"
    )
    assert client.post(url, data).status_code == 302
    before = AuditEntry.objects.filter(action=Action.PERSONAL_DATA_VIEW).count()
    html = client.get(f"/admin/inforequests/case/{case.pk}/history/").content.decode()
    assert "证件号码" in html and "已修改，不显示" in html
    for value in ("530102199001010028", "13800001111", "11010519491231002X"):
        assert value not in html
    opened = AuditEntry.objects.filter(action=Action.PERSONAL_DATA_VIEW).order_by("-pk")
    assert opened.count() == before + 1 and opened.first().detail == "打开历史记录列表"


def test_a_correction_is_checked_against_the_type_it_was_answered_for_and_the_address_is_an_address(client):
    from tests.staff import sign_in_staff

    case = make_case(received_on=D(2026, 11, 2))
    case = services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=D(2026, 11, 20), reply_text="予以公开。")
    sign_in_staff(client, staff_user("clerk", case.agency))
    url = f"/admin/inforequests/case/{case.pk}/change/"
    credit_code = _admin_form_data(
        client, url, id_type="credit_code", id_number="91530100MA6K000000", correction_reason="核实"
    )
    response = client.post(url, credit_code)
    assert response.status_code == 200 and "id_type" in response.context["adminform"].form.errors
    header = _admin_form_data(client, url, email="a@example.com\nBcc: x@example.com", correction_reason="核实")
    response = client.post(url, header)
    assert response.status_code == 200 and "email" in response.context["adminform"].form.errors


def test_a_mail_that_cannot_be_a_header_is_logged_not_raised(caplog):
    from core.mail import send_safely

    assert send_safely("告知书", "正文", ["a@example.com\nBcc: x@example.com"], about="测试") is False
    assert "e-mail not sent (测试): BadHeaderError" in caplog.text


def test_the_case_history_list_does_not_show_a_changed_contact_person(client):
    """An organisation's 联系人 is a person's name, kept encrypted and erased with the other
    particulars: the history list names its change, never the old and the new name."""
    from tests.staff import sign_in_staff

    case = make_case(received_on=D(2026, 12, 1))
    case.contact_person = "欧阳建国"
    case.save()
    sign_in_staff(client, staff_user("clerk", case.agency))
    url = f"/admin/inforequests/case/{case.pk}/change/"
    # a correction as the applicant's own particulars are: with its reason, on record
    response = client.post(url, _admin_form_data(client, url, contact_person="司马秀英"))
    assert "更正原因" in str(response.context["adminform"].form.errors["correction_reason"])
    assert Case.objects.get(pk=case.pk).contact_person == "欧阳建国"
    data = _admin_form_data(client, url, contact_person="司马秀英", correction_reason="单位来函更换联系人")
    assert client.post(url, data).status_code == 302
    assert Case.objects.get(pk=case.pk).contact_person == "司马秀英"
    event = case.events.get(action="更正申请人信息")
    assert event.reason == "联系人：单位来函更换联系人"
    html = client.get(f"/admin/inforequests/case/{case.pk}/history/").content.decode()
    for value in ("欧阳建国", "司马秀英"):
        assert value not in html
    assert "联系人" in html and "已修改，不显示" in html
