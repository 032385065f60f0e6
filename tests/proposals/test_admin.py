"""Staff work in the admin: every model listed with search, filters and history; replies are
sent and published from there (with the 20-working-day warning) and corrected keeping the original."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from core.concurrency import current_version
from proposals.models import Feedback, Reply
from tests.staff import sign_in_staff

from .conftest import publish, send
from .factories import ProposalFactory, ReplyFactory, level

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, vocab):
    return sign_in_staff(client, User.objects.create_superuser("boss", password="pw-123456789"))


def test_every_model_has_a_changelist_with_search_and_history(admin_client):
    reply = ReplyFactory()
    send(reply)
    from proposals import services

    services.feedback_submit(reply=reply, member=reply.proposal.lead_member, level=level("satisfied"))
    for model in [
        "assembly",
        "session",
        "member",
        "proposal",
        "reply",
        "feedback",
        "replycategory",
        "satisfactionlevel",
    ]:
        url = f"/admin/proposals/{model}/"
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"q": "测试"}).status_code == 200, url
    assert admin_client.get(f"/admin/proposals/reply/{reply.pk}/history/").status_code == 200
    assert admin_client.get(f"/admin/proposals/proposal/{reply.proposal_id}/change/").status_code == 200
    assert admin_client.get("/admin/proposals/proposal/", {"status__exact": "answered"}).status_code == 200
    member_form = admin_client.get(f"/admin/proposals/member/{reply.proposal.lead_member_id}/change/").content.decode()
    assert "仅工作人员可见，不在网站公开" in member_form


def test_send_and_publish_actions_with_late_warning(admin_client):
    reply = ReplyFactory(replied_on=dt.date(2024, 5, 6))
    response = admin_client.post(
        "/admin/proposals/reply/", {"action": "send_selected", "_selected_action": [reply.pk]}, follow=True
    )
    assert "已标记为已答复" in response.content.decode()
    response = admin_client.post(
        "/admin/proposals/reply/", {"action": "publish_selected", "_selected_action": [reply.pk]}, follow=True
    )
    html = response.content.decode()
    reply.refresh_from_db()
    assert reply.record.index_number in html and "已公开" in html
    assert "超过20个工作日" in html  # published today, long after 2024-05-06


def test_publish_action_reports_errors_instead_of_failing(admin_client):
    draft = ReplyFactory()
    response = admin_client.post(
        "/admin/proposals/reply/", {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )
    assert response.status_code == 200 and "未公开" in response.content.decode()
    empty = ReplyFactory(letter="", category=None)
    response = admin_client.post(
        "/admin/proposals/reply/", {"action": "send_selected", "_selected_action": [empty.pk]}, follow=True
    )
    assert "未标记" in response.content.decode() and "请标明办理结果分类" in response.content.decode()


def _reply_form(reply, **overrides):
    data = {
        "proposal": reply.proposal_id,
        "answering_unit": reply.answering_unit_id,
        "replied_on": reply.replied_on.isoformat(),
        "category": reply.category_id,
        "letter": reply.letter,
        "summary": "",
        "publication_mode": "full",
        "mode_reason": "",
        "contact_person": reply.contact_person,
        "contact_phone": reply.contact_phone,
        "correction_note": "",
        "edit_version": current_version(reply),  # as the change page the staff member opened
    }
    data.update(overrides)
    return data


def test_editing_a_sent_letter_is_a_correction_that_keeps_the_original(admin_client):
    reply = ReplyFactory(letter="<p>原文。</p>")
    send(reply)
    url = f"/admin/proposals/reply/{reply.pk}/change/"
    response = admin_client.post(url, _reply_form(reply, letter="<p>新文。</p>"))
    assert response.status_code == 200 and "请填写更正说明" in response.content.decode()
    response = admin_client.post(url, _reply_form(reply, letter="<p>新文。</p>", correction_note="错字更正"))
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.letter, reply.original_letter, reply.correction_note) == (
        "<p>新文。</p>",
        "<p>原文。</p>",
        "错字更正",
    )
    assert reply.corrected_at is not None


def _proposal_form(proposal, **overrides):
    """The proposal's change form as the page the staff member opened shows it."""
    return {
        "session": proposal.session_id,
        "number": proposal.number,
        "kind": "proposal",
        "title": proposal.title,
        "lead_member": proposal.lead_member_id,
        "assigned_on": "2024-03-15",
        "lead_unit": proposal.lead_unit_id,
        "status": "assigned",
        "extension_reason": "",
        "replies-TOTAL_FORMS": "0",
        "replies-INITIAL_FORMS": "0",
        "replies-MIN_NUM_FORMS": "0",
        "replies-MAX_NUM_FORMS": "0",
        "edit_version": current_version(proposal),
        **overrides,
    }


def test_extension_without_reason_is_refused_in_the_admin(admin_client):
    proposal = ProposalFactory()
    data = _proposal_form(proposal, extended="on")
    response = admin_client.post(f"/admin/proposals/proposal/{proposal.pk}/change/", data)
    assert response.status_code == 200 and "延期办理须记录理由" in response.content.decode()
    data["extension_reason"] = "经区政协提案委员会同意"
    assert admin_client.post(f"/admin/proposals/proposal/{proposal.pk}/change/", data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.due_on == dt.date(2024, 9, 15)
    assert proposal.history.first().history_user.username == "boss"


def test_staff_close_feedback(admin_client):
    reply = ReplyFactory()
    send(reply)
    from proposals import services

    feedback = services.feedback_submit(reply=reply, member=reply.proposal.lead_member, level=level("satisfied"))
    admin_client.post("/admin/proposals/feedback/", {"action": "close_selected", "_selected_action": [feedback.pk]})
    feedback.refresh_from_db()
    assert feedback.is_closed and feedback.closed_by.username == "boss"
    assert Feedback.objects.count() == 1 and Reply.objects.count() == 1


def test_a_correction_that_removes_personal_data_does_not_show_the_original(admin_client):
    """The member's mobile, removed by a correction, stayed public under 查看更正前原文 (a
    tester's find): the original is kept for staff, and withheld from the site when ticked."""
    reply = ReplyFactory(letter="<p>您的手机13900000009已记录。</p>")
    send(reply)
    publish(reply)
    url = f"/admin/proposals/reply/{reply.pk}/change/"
    form = _reply_form(reply, letter="<p>您的意见已记录。</p>", correction_note="删除误写的手机号")
    response = admin_client.post(url, {**form, "original_withheld": "on"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    reply.refresh_from_db()
    assert reply.original_letter == "<p>您的手机13900000009已记录。</p>" and reply.original_withheld
    from django.test import Client

    page = Client().get(reply.proposal.get_absolute_url()).content.decode()
    assert "13900000009" not in page and "更正前原文含不应公开的内容，不予显示" in page
    assert "删除误写的手机号" in page  # the correction itself is still said
