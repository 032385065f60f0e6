"""A published case answered again (重新答复): its public page says so from the moment the round
opens, and shows the new answer once a 终审 has published it redacted, checked as the first
answer's text is. The order's number and reason, and the unredacted new answer, are never shown."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from inforequests import services
from inforequests.models import Case, Reanswer
from tests.staff import sign_in_staff

from .factories import APPLICANT_NAME, AgencyFactory, staff_user
from .test_reanswer import answered, reanswer, reopen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]  # today: 2026-12-05


def published(case):
    services.case_publish(case=case, request_text="申请道路养护计划", reply_text="不予公开：属于过程性信息。")
    return Case.objects.get(pk=case.pk)


def public_page(case):
    response = Client().get(f"/disclosures/apply/published/{case.number}/")
    assert response.status_code == 200
    return response.content.decode()


def reviewer_of(agency, username="final"):
    reviewer = staff_user(username, agency)
    reviewer.user_permissions.add(Permission.objects.get(codename="publish_disclosurerecord"))
    return type(reviewer).objects.get(pk=reviewer.pk)


def test_the_public_page_follows_the_round_and_shows_only_the_redacted_new_answer():
    case = published(answered()[0])
    assert "重新答复" not in public_page(case)

    case = reopen(case)
    page = public_page(case)
    assert "本件正在重新答复（行政复议决定责令重新答复）" in page and "首次答复内容" in page
    assert "不予公开：属于过程性信息。" in page  # the first answer stays as published
    # The order's number and reason are the agency's file, not the page's.
    assert "官府复决字" not in page and "未说明" not in page

    case = reanswer(case)
    page = public_page(case)
    assert "本件已重新答复，以2026年12月4日的重新答复为准。" in page and "部分公开" in page
    assert "重新答复内容在隐私处理后公开。" in page
    assert "部分公开，见附件。" not in page  # the new answer as sent: not redacted yet

    services.reanswer_publish(case=case, reply_text="部分公开：道路养护计划见附件。")
    page = public_page(case)
    assert "部分公开：道路养护计划见附件。" in page and "重新答复内容在隐私处理后公开。" not in page
    assert case.events.filter(action="公开重新答复").exists()


def test_a_new_answer_that_still_names_the_applicant_is_refused_and_nothing_is_published():
    case = reanswer(reopen(published(answered()[0])))
    with pytest.raises(ValidationError) as refused:
        services.reanswer_publish(case=case, reply_text=f"{APPLICANT_NAME}：部分公开。")
    assert refused.value.message_dict == {"reply_text": ["公开内容仍含申请人姓名，请先作隐私处理。"]}
    with pytest.raises(ValidationError) as empty:
        services.reanswer_publish(case=case, reply_text="  ")
    assert empty.value.message_dict == {"reply_text": ["请填写隐私处理后的重新答复内容。"]}
    assert Reanswer.objects.get(case=case).public_text == ""
    assert APPLICANT_NAME not in public_page(case)


def test_only_a_published_case_with_a_new_answer_publishes_one():
    unpublished = reanswer(reopen(answered()[0]))
    with pytest.raises(ValidationError, match="请先公开首次答复"):
        services.reanswer_publish(case=unpublished, reply_text="部分公开。")
    in_progress = reopen(published(answered()[0]))
    with pytest.raises(ValidationError, match="还没有作出重新答复"):
        services.reanswer_publish(case=in_progress, reply_text="部分公开。")


def test_a_clerk_or_another_agency_may_not_publish_it():
    case = reanswer(reopen(published(answered()[0])))
    with pytest.raises(PermissionDenied):
        services.reanswer_publish(case=case, reply_text="部分公开。", user=staff_user("clerk", case.agency))
    with pytest.raises(PermissionDenied):
        services.reanswer_publish(case=case, reply_text="部分公开。", user=reviewer_of(AgencyFactory().organization))
    assert Reanswer.objects.get(case=case).public_text == ""


def test_the_staff_page_offers_it_to_the_final_reviewer_once_the_new_answer_is_given(client):
    case = reopen(published(answered()[0]))
    url = f"/disclosures/apply/staff/{case.pk}/"
    sign_in_staff(client, reviewer_of(case.agency))
    assert 'value="publish_reanswer"' not in client.get(url).content.decode()  # no new answer yet

    case = reanswer(case)
    page = client.get(url).content.decode()
    assert 'value="publish_reanswer"' in page and "部分公开，见附件。" in page  # offered, to be redacted
    leak = client.post(
        url, {"action": "publish_reanswer", "publish_reanswer-reply_text": f"{APPLICANT_NAME}：部分公开。"}
    )
    assert leak.status_code == 400 and "仍含申请人姓名" in leak.content.decode()
    assert f"{APPLICANT_NAME}：部分公开。" in leak.content.decode()  # what was typed is kept on the page
    sent = client.post(url, {"action": "publish_reanswer", "publish_reanswer-reply_text": "部分公开：见附件。"})
    assert sent.status_code == 302 and Reanswer.objects.get(case=case).public_text == "部分公开：见附件。"

    sign_in_staff(client, staff_user("clerk", case.agency))
    refused = client.post(url, {"action": "publish_reanswer", "publish_reanswer-reply_text": "改过的。"})
    assert refused.status_code == 403 and Reanswer.objects.get(case=case).public_text == "部分公开：见附件。"
