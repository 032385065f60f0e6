"""Members sign in, see their own proposals (answered or not), and give feedback once per reply;
不满意 sends the proposal back for 重新办理 within a month."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from proposals import services
from proposals.deadlines import add_months
from proposals.models import Feedback, Proposal
from tests.html import page_title

from .conftest import publish, send
from .factories import MemberFactory, ProposalFactory, ReplyFactory, level

pytestmark = pytest.mark.django_db


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def member(vocab):
    user = get_user_model().objects.create_user("wanglf", password="s3cret-Passw0rd")
    return MemberFactory(name="王丽芬", user=user)


@pytest.fixture
def reply(member):
    reply = ReplyFactory(
        proposal=ProposalFactory(lead_member=member, status="handling"), letter="<p>送达给委员的答复。</p>"
    )
    send(reply)
    return reply


def post_feedback(client, reply, code, comment=""):
    return client.post(f"/proposals/replies/{reply.pk}/feedback/", {"level": level(code).pk, "comment": comment})


def test_sign_in_through_the_login_page(client, member):
    page = client.get("/accounts/login/")
    assert (
        page.status_code == 200
        and "代表委员登录" in page.content.decode()
        and "不提供自行注册" in page.content.decode()
    )
    from portal.models import SiteSettings

    site_name = SiteSettings.current().site_name
    assert (
        site_name and f'<meta name="SiteName" content="{site_name}">' in page.content.decode()
    )  # the portal's, not contrib.sites'
    bad = client.post("/accounts/login/", {"username": "wanglf", "password": "wrong"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    response = client.post("/accounts/login/", {"username": "wanglf", "password": "s3cret-Passw0rd"})
    assert response.status_code == 302 and response["Location"] == "/proposals/mine/"
    assert client.get("/proposals/mine/").status_code == 200
    # No public sign-up, and no e-mailed password reset.
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/accounts/password_reset/").status_code == 404


def test_member_sees_own_proposals_including_unanswered_and_unpublished(client, member, reply):
    waiting = ProposalFactory(lead_member=member, title="关于尚未答复事项的建议")
    other = ProposalFactory(title="别人的建议")
    client.force_login(member.user)
    text = text_of(client.get("/proposals/mine/"))
    assert "关于尚未答复事项的建议" in text and "尚未答复" in text
    assert reply.proposal.title in text and "填写满意度" in text
    assert "别人的建议" not in text
    # The letter was sent to them: they read it although it is not public yet…
    own_page = client.get(reply.proposal.get_absolute_url()).content.decode()
    assert "送达给委员的答复。" in own_page and "本答复尚未公开，仅您本人登录后可见" in own_page
    # …and the public does not.
    client.logout()
    assert "送达给委员的答复。" not in client.get(reply.proposal.get_absolute_url()).content.decode()
    assert waiting.pk and other.pk


def test_drafts_are_invisible_even_to_their_member(client, member):
    draft = ReplyFactory(proposal=ProposalFactory(lead_member=member), letter="<p>草稿内容</p>")
    client.force_login(member.user)
    assert "草稿内容" not in client.get(draft.proposal.get_absolute_url()).content.decode()
    assert "草稿内容" not in client.get("/proposals/mine/").content.decode()
    assert client.get(f"/proposals/replies/{draft.pk}/feedback/").status_code == 404


def test_feedback_requires_sign_in(client, reply):
    response = client.get(f"/proposals/replies/{reply.pk}/feedback/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert client.post(f"/proposals/replies/{reply.pk}/feedback/", {"level": level("satisfied").pk}).status_code == 302
    assert Feedback.objects.count() == 0


def test_feedback_on_someone_elses_reply_is_403(client, reply):
    stranger = MemberFactory(user=get_user_model().objects.create_user("other", password="x-Passw0rd-1"))
    client.force_login(stranger.user)
    # A letter sent but not public: another member cannot even tell that it exists.
    assert client.get(f"/proposals/replies/{reply.pk}/feedback/").status_code == 404
    assert post_feedback(client, reply, "dissatisfied").status_code == 404
    publish(reply)
    assert client.get(f"/proposals/replies/{reply.pk}/feedback/").status_code == 403
    response = post_feedback(client, reply, "dissatisfied")
    assert response.status_code == 403 and "只能对本人领衔" in response.content.decode()
    # A signed-in account that is not a member at all (e.g. staff) is refused as well.
    staff = get_user_model().objects.create_user("staff", password="x-Passw0rd-2", is_staff=True)
    client.force_login(staff)
    assert post_feedback(client, reply, "satisfied").status_code == 403
    assert Feedback.objects.count() == 0
    reply.proposal.refresh_from_db()
    assert reply.proposal.status == Proposal.Status.ANSWERED
    # The service refuses too, whatever calls it.
    with pytest.raises(services.FeedbackNotAllowed):
        services.feedback_submit(reply=reply, member=stranger, level=level("dissatisfied"))


def test_feedback_once_per_reply_double_submit_updates(client, member, reply):
    client.force_login(member.user)
    assert client.get(f"/proposals/replies/{reply.pk}/feedback/").status_code == 200
    first = post_feedback(client, reply, "basically_satisfied", "希望加快进度")
    assert first.status_code == 302 and first["Location"] == reply.proposal.get_absolute_url()
    post_feedback(client, reply, "basically_satisfied", "希望加快进度")  # double submit
    post_feedback(client, reply, "satisfied", "已满意")  # a change
    feedback = Feedback.objects.get()
    assert (feedback.level.code, feedback.comment) == ("satisfied", "已满意")
    assert feedback.history.count() == 2  # created, then changed once (the identical resubmit wrote nothing)
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(reply=reply, member=member, level=level("satisfied"))
    page = text_of(client.get(reply.proposal.get_absolute_url()))
    assert "您的满意度：满意" in page


def test_dissatisfied_sends_the_proposal_back_for_a_month(client, member, reply):
    client.force_login(member.user)
    post_feedback(client, reply, "dissatisfied", "未回应核心诉求")
    proposal = Proposal.objects.get(pk=reply.proposal_id)
    today = timezone.localdate()
    assert proposal.status == Proposal.Status.REHANDLING
    assert proposal.rehandling_started_on == today
    assert proposal.rehandling_due_on == add_months(today, 1)
    assert proposal.history.first().history_change_reason == "代表委员反馈“不满意”，重新办理"
    # The unit answers again: the new reply is marked as the re-handled one, the proposal is answered.
    second = ReplyFactory(proposal=proposal, replied_on=today, letter="<p>重新答复。</p>")
    send(second)
    second.refresh_from_db()
    proposal.refresh_from_db()
    assert second.is_rehandling and proposal.status == Proposal.Status.ANSWERED
    publish(second)
    text = text_of(client.get(proposal.get_absolute_url()))
    assert "重新办理答复" in text and "重新办理: 按期答复" in text
    # Feedback on the old letter no longer reopens the proposal.
    post_feedback(client, reply, "dissatisfied", "仍不满意")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ANSWERED
    post_feedback(client, second, "satisfied")
    assert Feedback.objects.filter(member=member).count() == 2


def test_changing_away_from_dissatisfied_before_closing_undoes_the_rehandling(member, reply):
    services.feedback_submit(reply=reply, member=member, level=level("dissatisfied"))
    services.feedback_submit(reply=reply, member=member, level=level("basically_satisfied"))
    proposal = Proposal.objects.get(pk=reply.proposal_id)
    assert proposal.status == Proposal.Status.ANSWERED and proposal.rehandling_due_on is None


def test_closed_feedback_cannot_be_changed(client, member, reply):
    client.force_login(member.user)
    post_feedback(client, reply, "satisfied")
    services.feedback_close(feedback=Feedback.objects.get(), user=None)
    page = client.get(f"/proposals/replies/{reply.pk}/feedback/").content.decode()
    assert "已由工作人员" in page and "feedback-form" not in page
    response = post_feedback(client, reply, "dissatisfied")
    assert response.status_code == 400 and "不能再修改" in response.content.decode()
    assert Feedback.objects.get().level.code == "satisfied"
    assert Proposal.objects.get(pk=reply.proposal_id).status == Proposal.Status.ANSWERED


def test_bad_feedback_input_is_a_form_error(client, member, reply):
    client.force_login(member.user)
    for data, message in [
        ({}, "请选择满意度。"),
        ({"level": "999"}, "所选满意度无效"),
        ({"level": level("satisfied").pk, "comment": "答复很\x07好"}, "含有控制字符"),
        ({"level": level("satisfied").pk, "comment": "长" * 2001}, "意见最多2000字"),
    ]:
        response = client.post(f"/proposals/replies/{reply.pk}/feedback/", data)
        assert response.status_code == 400 and message in response.content.decode(), data
    assert "长" * 2001 in response.content.decode()  # nothing typed is lost
    assert Feedback.objects.count() == 0


def test_a_preference_changed_without_javascript_keeps_the_comment(client, member, reply):
    client.force_login(member.user)
    url = f"/proposals/replies/{reply.pk}/feedback/"
    assert 'form="feedback-form" formaction="/preferences/"' in client.get(url).content.decode()
    typed = {"level": level("satisfied").pk, "comment": "答复及时", "next": url, "reader_page_form": "1", "elder": "1"}
    back = client.post("/preferences/", typed, HTTP_ORIGIN="http://testserver")
    assert back.status_code == 307 and back["Location"] == f"{url}?reader=1"
    page = client.post(back["Location"], typed)
    assert page.status_code == 200 and "答复及时" in page.content.decode()
    assert Feedback.objects.count() == 0  # shown again, not sent


def test_a_preference_changed_without_javascript_keeps_the_errors_the_form_was_shown_with(client, member, reply):
    client.force_login(member.user)
    url = f"/proposals/replies/{reply.pk}/feedback/"
    refused = client.post(url, {"comment": "答复及时"}).content.decode()
    assert 'name="reader_checked"' in refused  # the page says it showed the form's errors
    typed = {"comment": "答复及时", "next": url, "reader_page_form": "1", "reader_checked": "1", "elder": "1"}
    page = client.post(f"{url}?reader=1", typed)
    html = page.content.decode()
    assert page.status_code == 200 and "答复及时" in html
    assert 'class="error-summary"' in html and "<title>填写有误，请修改 - " in html
    assert Feedback.objects.count() == 0  # checked again, still not sent
    unchecked = client.post(f"{url}?reader=1", {k: v for k, v in typed.items() if k != "reader_checked"})
    assert 'class="error-summary"' not in unchecked.content.decode()


def test_public_sees_aggregate_satisfaction_only(client, member, reply):
    publish(reply)
    services.feedback_submit(reply=reply, member=member, level=level("basically_satisfied"), comment="私下意见内容")
    page = client.get(reply.proposal.get_absolute_url()).content.decode()
    assert "基本满意" not in page and "私下意见内容" not in page
    stats = text_of(client.get(f"/proposals/statistics/{reply.proposal.session_id}/"))
    assert "满意率 100.0%（1/1份反馈）" in stats and "私下意见内容" not in stats


def test_my_proposals_are_paged_with_feedback_on_each_page(client, member, reply, django_assert_max_num_queries):
    """A long-serving member leads proposals in every session: 20 a page, in as many queries
    whatever the page holds, each letter with the member's own feedback."""
    client.force_login(member.user)
    post = post_feedback(client, reply, "satisfied")
    assert post.status_code == 302
    session = reply.proposal.session
    for n in range(24):
        ProposalFactory(lead_member=member, session=session, title=f"关于第{n}件事项的建议")
    first = client.get("/proposals/mine/")
    assert "共 25 件" in text_of(first) and 'href="?page=2"' in first.content.decode()
    client.get("/proposals/mine/?page=2")
    with django_assert_max_num_queries(9):
        second = client.get("/proposals/mine/?page=2")
    pages = text_of(first) + text_of(second)
    assert all(f"关于第{n}件事项的建议" in pages for n in range(24))
    assert reply.proposal.title in pages and "满意" in pages
    assert client.get("/proposals/mine/?page=3").status_code == 404
    for junk in ("abc", "-1", "0", "9" * 5000):  # int() refuses over 4,300 digits: a 404, not a 500
        assert client.get(f"/proposals/mine/?page={junk}").status_code == 404, junk


def test_staff_signing_in_on_the_members_page_are_sent_to_the_admin(client, db):
    """No staff account is a member's (the admin refuses the link): the members' page would
    answer 无权操作 with no way on. Staff go to the admin, where the second step follows."""
    get_user_model().objects.create_user("li-staff", password="s3cret-Passw0rd", is_staff=True)
    response = client.post("/accounts/login/", {"username": "li-staff", "password": "s3cret-Passw0rd"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/setup/")


def test_member_forms_sent_back_with_errors_say_so_first_in_their_titles(client, member, reply):
    """With JavaScript off nothing moves the focus to the error summary: the title, which a
    screen reader says first, says that something needs correcting."""
    assert page_title(client.get("/accounts/login/")).startswith("代表委员登录 - ")
    wrong = client.post("/accounts/login/", {"username": "wanglf", "password": "wrong"})
    assert page_title(wrong).startswith("填写有误，请修改 - 代表委员登录 - ")
    client.force_login(member.user)
    assert page_title(client.post("/accounts/password_change/", {})).startswith("填写有误，请修改 - 修改密码 - ")
    feedback = client.post(f"/proposals/replies/{reply.pk}/feedback/", {"comment": "未选满意度"})
    assert feedback.status_code == 400 and page_title(feedback).startswith("填写有误，请修改 - 满意度反馈 - ")
