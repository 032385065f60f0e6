"""An applicant who withdraws consent (staff untick 同意答复内容经隐私处理后公开 on the case, in
the admin) takes the published case off every public surface at once: its page, its agency's
list, the sitemap. Publication alone was what Case.objects.published() asked."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core import pagecache
from inforequests.models import Case
from tests.opendata.test_feeds_sitemap import sitemap_index_lastmod

from .conftest import SATURDAY_NOON
from .test_reanswer import answered
from .test_reanswer_published import published

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]


def test_a_case_whose_applicant_withdrew_consent_is_public_nowhere():
    case = published(answered()[0])
    page = f"/disclosures/apply/published/{case.number}/"
    agency = f"/disclosures/apply/statistics/{case.agency_id}/"
    reader = Client()
    assert reader.get(page).status_code == 200
    assert case.number in reader.get(agency).content.decode()
    assert page in reader.get("/sitemap-inforequests.xml").content.decode()

    case.consents_publication = False
    case.save()  # as the admin's change form saves it
    pagecache.reset_local()
    assert list(Case.objects.published()) == []
    assert reader.get(page).status_code == 404
    assert case.number not in reader.get(agency).content.decode()
    assert page not in reader.get("/sitemap-inforequests.xml").content.decode()


def test_the_sitemap_index_dates_the_published_cases_by_one_leaving(client):
    """The index's date for the published cases did not move when one left by a consent
    withdrawn: a crawler had no reason to fetch the list without it."""
    with time_machine.travel(SATURDAY_NOON, tick=False) as clock:
        case = published(answered()[0])
        before = sitemap_index_lastmod(client, "inforequests")
        clock.shift(dt.timedelta(days=1))
        case.extension_approver = "王局长"  # nothing public changes: nor does the date
        case.save()
        pagecache.reset_local()
        assert sitemap_index_lastmod(client, "inforequests") == before
        clock.shift(dt.timedelta(days=1))
        case.consents_publication = False
        case.save()
        pagecache.reset_local()
        assert sitemap_index_lastmod(client, "inforequests") == timezone.now() > before


def test_a_case_whose_applicant_withdrew_consent_is_neither_promoted_nor_answered_again_in_public():
    from django.core.exceptions import ValidationError

    from inforequests import services

    case = published(answered()[0])
    case.consents_publication = False
    case.save()
    with pytest.raises(ValidationError, match="请先作隐私处理并公开答复"):
        services.case_promote_to_catalogue(case=case, title="道路养护计划")
    with pytest.raises(ValidationError, match="请先公开首次答复"):
        services.reanswer_publish(case=case, reply_text="部分公开。")
