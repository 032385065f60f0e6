import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.test import TestCase

from disclosures.models import AgencyMembership
from inforequests import services
from inforequests.models import Agency, Case, Reminder
from tests.disclosures.factories import OrganizationFactory

# Real-format identifiers with valid check characters (GB 11643 / GB 32100), made up.
PERSON_ID = "11010519491231002X"
OTHER_PERSON_ID = "440524188001010014"
CREDIT_CODE = "91350100M000100Y43"
APPLICANT_NAME = "张测试申请人"
PHONE = "13912345678"
ADDRESS = "测试市幸福路88号3单元"
EMAIL = "applicant@example.com"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    organization = factory.SubFactory(OrganizationFactory, name=factory.Sequence(lambda n: f"测试区第{n}局"))


def applicant(**overrides):
    return {
        "applicant_type": Case.ApplicantType.PERSON,
        "name": APPLICANT_NAME,
        "id_type": Case.IdType.RESIDENT_ID,
        "id_number": PERSON_ID,
        "phone": PHONE,
        "address": ADDRESS,
        "email": EMAIL,
        **overrides,
    }


def request_data(**overrides):
    return {
        "title": "2026年道路养护计划",
        "document_number": "",
        "description": "区交通局发布的道路养护计划全文。",
        "delivery": Case.Delivery.ELECTRONIC,
        "consents_publication": True,
        **overrides,
    }


def make_case(
    *,
    agency=None,
    received_on=dt.date(2026, 9, 18),
    channel=Case.Channel.IN_PERSON,
    items=(),
    code=False,
    **applicant_overrides,
):
    agency = agency or AgencyFactory().organization
    # As a registration that has committed: its receipt mailed (outbox), not left for a reminder run.
    with TestCase.captureOnCommitCallbacks(execute=True):
        case, query_code = services.case_register(
            agency=agency,
            channel=channel,
            received_on=received_on,
            applicant=applicant(**applicant_overrides),
            request=request_data(),
            items=items,
        )
    return (case, query_code) if code else case


def staff_reminders(**filters):
    """The reminders mailed to staff, not the applicants' notices the same table queues (outbox)."""
    return Reminder.objects.exclude(key__startswith=Reminder.NOTICE_KEY.format(pk="")).filter(**filters)


def staff_user(username, *organizations, perms=()):
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw-123456", is_staff=True)
    for organization in organizations:
        AgencyMembership.objects.create(user=user, organization=organization)
    codenames = ["view_case", "change_case", "add_case", *perms]
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="inforequests", codename__in=codenames)
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def staff_page_urls(case):
    """Every staff page of 依申请公开 for `case` (its first notice as a page)."""
    notice = case.notices.order_by("pk").first()
    return [
        "/disclosures/apply/staff/",
        f"/disclosures/apply/staff/{case.pk}/",
        f"/disclosures/apply/staff/{case.pk}/deadline/",
        f"/disclosures/apply/staff/notices/{notice.pk}/",
        "/disclosures/apply/staff/new/",
        "/disclosures/apply/staff/report/?year=2026",
    ]
