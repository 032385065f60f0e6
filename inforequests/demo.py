"""Demo cases (演示数据) in every state, through the services, so their dates and notices are
what real cases get. Idempotent: the cases are keyed by their title."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.working_days import add_working_days
from disclosures.models import Organization

from . import services
from .models import Agency, Case, Outcome, Pause, Reanswer

LABEL = "（演示数据）"
AGENCY_NAME = "演示区人民政府办公室"
APPLICANT = {
    "applicant_type": Case.ApplicantType.PERSON,
    "name": "演示申请人",
    "id_type": Case.IdType.RESIDENT_ID,
    "id_number": "11010519491231002X",
    "phone": "13800000000",
    "address": "演示市演示路1号",
    "email": "",
}


def _request(title):
    return {
        "title": f"{title}{LABEL}",
        "document_number": "",
        "description": f"演示数据：{title}的相关文件。",
        "delivery": Case.Delivery.ELECTRONIC,
        "consents_publication": True,
    }


def _demo_case(org, title, received, applicant=APPLICANT):
    """(case, created): the demo case titled `title`, registered through the service if new."""
    existing = Case.objects.filter(title=f"{title}{LABEL}", is_demo=True).first()
    if existing:
        return existing, False
    case, _ = services.case_register(
        agency=org,
        channel=Case.Channel.ONLINE,
        received_on=received,
        is_demo=True,
        applicant=applicant,
        request=_request(title),
    )
    return case, True


@transaction.atomic
def load_demo_data():
    org, _ = Organization.objects.get_or_create(name=AGENCY_NAME, defaults={"short_name": "演示区政府办"})
    # A district department's 复议机关 is its district government (行政复议法 2023, Art. 24).
    Agency.objects.get_or_create(
        organization=org, defaults={"contact": "演示电话 0000-0000000", "reconsideration_body": "演示区人民政府"}
    )
    today = timezone.localdate()
    created = 0

    def case(title, days_ago):
        nonlocal created
        found, new = _demo_case(org, title, today - dt.timedelta(days=days_ago))
        created += new
        return found, new

    case("2026年城区道路养护计划", 2)
    c, new = case("某小区规划许可文件", 4)
    if new:
        services.case_request_correction(
            case=c, notice_on=c.received_on + dt.timedelta(days=1), reason="请说明小区名称和年份（演示）"
        )
    c, new = case("某企业环评批复", 10)
    if new:
        services.case_start_consultation(
            case=c, kind=Pause.Kind.THIRD_PARTY, party="演示企业", started_on=c.received_on + dt.timedelta(days=2)
        )
    c, new = case("全区财政专项资金分配表", 20)
    if new:
        services.case_extend(
            case=c,
            days=20,
            approver="演示负责人",
            reason="需调取多年档案（演示）",
            on=min(add_working_days(c.received_on, 15)[0], today),  # a decision is never dated ahead
        )
    c, new = case("年度政府采购合同汇总", 6)
    if new:
        # The applicant's 11th request this month: the fee step applies (国办函〔2020〕109号).
        services.case_split(case=c, descriptions=[f"第{n}份合同（演示）" for n in range(1, 12)])
        services.case_request_fee(case=c, notice_on=c.received_on + dt.timedelta(days=1))
    c, new = case("2025年区政府常务会议纪要", 40)
    if new:
        services.case_reply(
            case=c,
            outcome=Outcome.GRANTED,
            replied_on=add_working_days(c.received_on, 12)[0],
            reply_text="予以公开，见附件（演示）。",
        )
    c, new = case("历史档案查询", 60)
    if new:
        services.case_reply(
            case=c,
            outcome=Outcome.UNABLE_NOT_HELD,
            replied_on=add_working_days(c.received_on, 18)[0],
            reply_text="本机关不掌握该信息（演示）。",
        )
        services.case_archive(case=c)
        c = services.case_publish(
            case=Case.objects.get(pk=c.pk),
            request_text="申请公开历史档案查询相关信息。",
            reply_text="经检索，本机关不掌握该信息。",
        )
        # Corrected by the agency itself, answered again and published again (its page shows both).
        corrected = min(add_working_days(c.replied_on, 5)[0], today)
        c = services.case_reopen_for_reanswer(
            case=c,
            basis=Reanswer.Basis.SELF_CORRECTION,
            order_reference="",
            order_date=corrected,
            served_on=corrected,
            reason="经复查，部分档案已移交区档案馆，原答复有误（演示）。",
        )
        c = services.case_reanswer(
            case=c,
            outcome=Outcome.PARTIAL,
            replied_on=min(add_working_days(corrected, 3)[0], today),
            reply_text="经复查，部分信息予以公开，见所附目录（演示）。",
        )
        services.reanswer_publish(
            case=services.case_archive(case=c), reply_text="经复查，部分信息予以公开，见所附目录。"
        )
    c, new = case("区级行政事业性收费项目清单", 50)
    if new:
        # Answered, then ordered by a 行政复议 decision to answer again (重新答复中).
        services.case_reply(
            case=c,
            outcome=Outcome.DENIED_PROCESS,
            replied_on=add_working_days(c.received_on, 10)[0],
            reply_text="属于过程性信息，不予公开（演示）。",
        )
        ordered = min(add_working_days(c.received_on, 20)[0], today)
        services.case_reopen_for_reanswer(
            case=Case.objects.get(pk=c.pk),
            basis=Reanswer.Basis.RECONSIDERATION,
            order_reference="演示复决字〔2026〕1号",
            order_date=ordered,
            served_on=min(add_working_days(ordered, 2)[0], today),
            reason="复议决定认为原答复未说明不予公开的理由，责令重新答复（演示）。",
        )
    return created + _guandu_2023()


GUANDU_AGENCY = "昆明市官渡区民政局"
# The example 2023 年报 (annualreports/demo.py) computes its table 三 from these: applicants of
# several kinds and outcomes of several groups, one received in 2022 and answered in 2023
# (上年结转) and one received in December 2023 still open at the year's end (结转下年度).
GUANDU_2023 = [
    # (title, received on, applicant type, outcome or None, working days to the answer)
    ("2022年低保资金发放明细", dt.date(2022, 12, 20), Case.ApplicantType.PERSON, Outcome.GRANTED, 15),
    ("2023年养老机构名录", dt.date(2023, 2, 6), Case.ApplicantType.PERSON, Outcome.GRANTED, 8),
    ("社区养老服务站运营补贴标准", dt.date(2023, 3, 13), Case.ApplicantType.PERSON, Outcome.PARTIAL, 12),
    ("某社会组织登记档案", dt.date(2023, 4, 10), Case.ApplicantType.COMMERCIAL, Outcome.DENIED_THIRD_PARTY, 14),
    ("殡葬设施规划（征求意见稿）", dt.date(2023, 5, 8), Case.ApplicantType.LEGAL, Outcome.DENIED_PROCESS, 10),
    ("2010年以前的婚姻登记档案", dt.date(2023, 6, 5), Case.ApplicantType.PERSON, Outcome.UNABLE_NOT_HELD, 9),
    (
        "民政救助政策汇编（出版物）",
        dt.date(2023, 7, 3),
        Case.ApplicantType.RESEARCH,
        Outcome.NOT_PROCESSED_PUBLICATION,
        6,
    ),
    ("慈善组织年度检查结果", dt.date(2023, 9, 11), Case.ApplicantType.SOCIAL, Outcome.GRANTED, 11),
    ("2023年临时救助人次统计", dt.date(2023, 12, 25), Case.ApplicantType.PERSON, None, 0),
]
CREDIT_CODE = "91530111MA6K000000"  # a 统一社会信用代码 shape; the check character is set below


def _guandu_2023():
    from disclosures.codes import credit_code_check_char

    org = Organization.objects.filter(name=GUANDU_AGENCY).first()
    if org is None:  # the seed is not loaded
        return 0
    Agency.objects.get_or_create(
        organization=org, defaults={"contact": "演示电话 0871-00000000", "reconsideration_body": "昆明市官渡区人民政府"}
    )
    organisation_id = CREDIT_CODE[:17] + credit_code_check_char(CREDIT_CODE[:17])
    created = 0
    for title, received, applicant_type, outcome, days in GUANDU_2023:
        applicant = dict(APPLICANT, applicant_type=applicant_type)
        if applicant_type != Case.ApplicantType.PERSON:
            applicant.update(name="演示单位", id_type=Case.IdType.CREDIT_CODE, id_number=organisation_id)
        case, new = _demo_case(org, title, received, applicant)
        created += new
        if new and outcome is not None:
            services.case_reply(
                case=case,
                outcome=outcome,
                replied_on=add_working_days(received, days)[0],
                reply_text=f"{Outcome(outcome).label}（演示）。",
            )
    return created
