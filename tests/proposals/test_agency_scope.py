"""An agency's staff handle their own agency's replies, proposals, feedback and facts, not
another agency's: a tester, signed in as one agency's 录入员, corrected another agency's
published reply (live at once, past review), read its drafts and cited its scheduled record in
a community fact. Switching a published reply to 不公开 left its letter in the catalogue."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied

from core.roles import ENTRY_CLERK, REVIEWER
from disclosures.models import AgencyMembership, DisclosureRecord
from proposals import services
from proposals.models import Feedback, Proposal, Reply, ReplyCategory
from tests.staff import sign_in_staff

from .conftest import publish, send
from .factories import ReplyFactory, UnitFactory, level
from .test_admin import _reply_form

pytestmark = pytest.mark.django_db
REPLIES = "/admin/proposals/reply/"


def staff(name, group, unit):
    user = User.objects.create_user(name, password="pw-123456789", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    AgencyMembership.objects.create(user=user, organization=unit)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def world(vocab):
    ours, theirs = UnitFactory(name="测试区民政局"), UnitFactory(name="测试区教育局")
    their_published = ReplyFactory(proposal__lead_unit=theirs, letter="<p>教育局已公开的答复。</p>")
    send(their_published)
    publish(their_published)
    return {
        "ours": ours,
        "theirs": theirs,
        "clerk": staff("mzj-clerk", ENTRY_CLERK, ours),
        "reviewer": staff("mzj-reviewer", REVIEWER, ours),
        "our_draft": ReplyFactory(proposal__lead_unit=ours, letter="<p>民政局的答复草稿。</p>"),
        "their_draft": ReplyFactory(proposal__lead_unit=theirs, letter="<p>教育局尚未送达的答复草稿。</p>"),
        "their_published": Reply.objects.select_related("record").get(pk=their_published.pk),
    }


def test_the_reply_list_and_forms_hold_only_the_agencys_own_replies(world, client):
    clerk = sign_in_staff(client, world["clerk"])
    listing = clerk.get(REPLIES).content.decode()
    assert str(world["our_draft"].proposal.number) in listing
    assert str(world["their_draft"].proposal.number) not in listing
    for other in (world["their_draft"], world["their_published"]):
        assert clerk.get(f"{REPLIES}{other.pk}/change/").status_code == 302  # Django admin: not found
    proposals = clerk.get("/admin/proposals/proposal/").content.decode()
    assert world["their_draft"].proposal.title not in proposals
    assert world["our_draft"].proposal.title in proposals

    # A new reply may be written only by one's own agency, to a proposal it handles.
    form = _reply_form(world["their_draft"], replied_on="2024-06-01")
    response = clerk.post(f"{REPLIES}add/", form)
    assert response.status_code == 200 and set(response.context["adminform"].form.errors) >= {
        "proposal",
        "answering_unit",
    }
    assert Reply.objects.filter(replied_on=dt.date(2024, 6, 1)).count() == 0


def test_the_extension_service_refuses_another_agencys_proposal(world):
    from .factories import ProposalFactory

    theirs, ours = ProposalFactory(lead_unit=world["theirs"]), ProposalFactory(lead_unit=world["ours"])
    with pytest.raises(PermissionDenied):
        services.proposal_extend(proposal=theirs, reason="需征求市级部门意见", user=world["clerk"])
    assert not Proposal.objects.get(pk=theirs.pk).extended
    assert services.proposal_extend(proposal=ours, reason="需征求市级部门意见", user=world["clerk"]).extended


def test_services_refuse_another_agencys_reply(world):
    reviewer, theirs = world["reviewer"], world["their_published"]
    with pytest.raises(PermissionDenied):
        services.reply_correct(reply=theirs, letter="<p>改写</p>", note="更正", user=reviewer)
    with pytest.raises(PermissionDenied):
        services.reply_send(reply=world["their_draft"], user=reviewer)
    with pytest.raises(PermissionDenied):
        services.reply_publish(reply=theirs, user=reviewer)
    theirs.record.refresh_from_db()
    assert theirs.record.body == "<p>教育局已公开的答复。</p>"
    feedback = services.feedback_submit(reply=theirs, member=theirs.proposal.lead_member, level=level("satisfied"))
    with pytest.raises(PermissionDenied):
        services.feedback_close(feedback=feedback, user=reviewer)


def test_a_clerk_neither_sends_nor_publishes_a_reply_through_the_services(world):
    """The admin offers 标记为已答复 and 公开 to reviewers only (publish_reply); the services ask too."""
    reply = world["our_draft"]
    with pytest.raises(PermissionDenied):
        services.reply_send(reply=reply, user=world["clerk"])
    services.reply_send(reply=reply, user=world["reviewer"])
    with pytest.raises(PermissionDenied):
        services.reply_publish(reply=reply, user=world["clerk"])
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT and reply.record is None


def test_publishing_another_agencys_reply_is_a_message_not_a_403_page(world, client, settings):
    reviewer = sign_in_staff(client, world["reviewer"])
    # District-wide publishing of one's own reply still works beside a refused one.
    send(world["our_draft"])
    selected = [world["our_draft"].pk, world["their_draft"].pk]
    response = reviewer.post(REPLIES, {"action": "publish_selected", "_selected_action": selected}, follow=True)
    assert response.status_code == 200
    assert not Reply.objects.get(pk=world["their_draft"].pk).record_id


def test_switching_a_published_reply_to_withheld_withdraws_its_record(vocab, client):
    boss = sign_in_staff(client, User.objects.create_superuser("boss", password="pw-123456789"))
    reply = ReplyFactory(letter="<p>全文公开的答复。</p>")
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    assert reply.record.is_public

    form = _reply_form(reply, publication_mode="withheld", mode_reason="涉及第三方合法权益")
    response = boss.post(f"{REPLIES}{reply.pk}/change/", form, follow=True)

    assert response.status_code == 200 and "已撤回其记录" in response.content.decode()
    reply.refresh_from_db()
    assert reply.publication_mode == Reply.PublicationMode.WITHHELD
    assert reply.record.status == DisclosureRecord.Status.WITHDRAWN
    assert client.get(reply.record.get_absolute_url()).status_code == 404


def test_a_withdrawn_replys_record_is_published_again_only_by_a_final_reviewer(world):
    reply = ReplyFactory(proposal__lead_unit=world["ours"])
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    from disclosures.services import record_withdraw

    record_withdraw(record=reply.record, user=None, reason="测试")
    # A reviewer of the publishing government too (the record is published under it).
    AgencyMembership.objects.create(user=world["reviewer"], organization=world["ours"].parent)
    with pytest.raises(PermissionDenied, match="只有终审审核员"):
        services.reply_publish(reply=reply, user=world["reviewer"])


def test_community_facts_of_another_agencys_unpublished_record_are_out_of_reach(world, client):
    from communities.models import Fact
    from tests.communities.factories import FactFactory
    from tests.disclosures.factories import RecordFactory

    hidden = RecordFactory(title="教育局尚未公开的记录", publisher=world["theirs"], body="<p>社区共有居民1000人。</p>")
    fact = FactFactory(source_record=hidden, sentence="社区共有居民1000人。")
    clerk = sign_in_staff(client, world["clerk"])
    listing = clerk.get("/admin/communities/fact/").content.decode()
    assert "教育局尚未公开的记录" not in listing
    assert clerk.get(f"/admin/communities/fact/{fact.pk}/change/").status_code == 302
    form = clerk.get("/admin/communities/fact/add/").context["adminform"].form
    assert hidden not in form.fields["source_record"].queryset
    assert Fact.objects.count() == 1


def test_another_agencys_draft_attachment_is_not_served_to_staff(world, client):
    from django.core.files.base import ContentFile

    from disclosures.models import Attachment
    from tests.disclosures.factories import RecordFactory

    draft = RecordFactory(title="教育局的草稿", publisher=world["theirs"])
    attachment = Attachment(record=draft, title="草稿附件")
    attachment.file.save("draft.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    url = f"/disclosures/attachments/{attachment.pk}/"
    assert sign_in_staff(client, world["clerk"]).get(url).status_code == 404
    own = staff("jyj-clerk", ENTRY_CLERK, world["theirs"])
    assert sign_in_staff(client, own).get(url).status_code == 200


def test_the_writing_unit_is_told_who_publishes_instead_of_a_403_page(world, client):
    """A department's reply is published under its government: switching it to 不公开 from the
    department's account was a bare 403 page, losing the edit (a reviewer's find)."""
    reply = ReplyFactory(proposal__lead_unit=world["ours"], letter="<p>民政局的答复。</p>")
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    reviewer = sign_in_staff(client, world["reviewer"])
    form = _reply_form(reply, publication_mode="withheld", mode_reason="涉及第三方合法权益")
    response = reviewer.post(f"{REPLIES}{reply.pk}/change/", form)
    assert response.status_code == 200
    assert "须由该机构的工作人员操作" in str(response.context["adminform"].form.errors["publication_mode"])
    reply.refresh_from_db()
    assert reply.publication_mode == Reply.PublicationMode.FULL and reply.record.is_public


def test_staff_of_the_publishing_government_save_a_departments_reply(world, client):
    government = world["ours"].parent
    staff_member = staff("qzf-reviewer", REVIEWER, government)
    reply = ReplyFactory(proposal__lead_unit=world["ours"], letter="<p>民政局的答复。</p>")
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    client = sign_in_staff(client, staff_member)
    response = client.post(f"{REPLIES}{reply.pk}/change/", _reply_form(reply, contact_person="王经办"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    reply.refresh_from_db()
    assert reply.contact_person == "王经办" and reply.answering_unit == world["ours"]
    # It stays the department's reply: the government cannot take it over (the department
    # would no longer see its own reply).
    form = _reply_form(reply, answering_unit=government.pk)
    response = client.post(f"{REPLIES}{reply.pk}/change/", form)
    assert response.status_code == 200 and "answering_unit" in response.context["adminform"].form.errors
    assert Reply.objects.get(pk=reply.pk).answering_unit == world["ours"]
    # The 答复单位 box still finds the department it keeps (not only the government's agencies).
    params = {"app_label": "proposals", "model_name": "reply", "field_name": "answering_unit", "term": "民政局"}
    found = [row["text"] for row in client.get("/admin/autocomplete/", params).json()["results"]]
    assert world["ours"].name in found


def test_a_reply_follows_its_records_publication_time(vocab):
    """Moved in the catalogue, the record's 发布日期 left the reply's time behind: lists and
    feeds ordered by it put a later reply below earlier ones (a tester's find)."""
    from django.utils import timezone

    reply = ReplyFactory()
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    record = reply.record
    record.published_at = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    record.save()
    reply.refresh_from_db()
    assert reply.published_at == record.published_at
    assert not Reply.objects.public().filter(pk=reply.pk).exists()


# The admin's history pages keep the change page's scope (core/history_admin.py): a tester read
# another agency's draft and 不公开 replies in full on /history/<version>/ while /change/ said
# they did not exist. A deleted object's history is for district-wide staff.


def _pages(admin_path, obj):
    version = obj.history.order_by("-history_id").first().history_id
    return [
        f"/admin/proposals/{admin_path}/{obj.pk}/history/",
        f"/admin/proposals/{admin_path}/{obj.pk}/history/{version}/",
    ]


def test_another_agencys_reply_and_proposal_histories_are_not_found(world, client):
    clerk = sign_in_staff(client, world["clerk"])
    for other in (world["their_draft"], world["their_published"]):
        for url in _pages("reply", other) + _pages("proposal", other.proposal):
            response = clerk.get(url)
            assert response.status_code == 404, url
            assert "教育局" not in response.content.decode()
    ours = world["our_draft"]
    for url in _pages("reply", ours) + _pages("proposal", ours.proposal):
        assert clerk.get(url).status_code == 200, url


def test_a_deleted_replys_history_is_for_district_wide_staff(world, client, admin_user):
    theirs = world["their_draft"]
    pk, pages = theirs.pk, _pages("reply", theirs)
    theirs.delete()
    assert not Reply.objects.filter(pk=pk).exists()
    clerk = sign_in_staff(client, staff("mzj-clerk-2", ENTRY_CLERK, world["ours"]))
    assert clerk.get(pages[0]).status_code == 404
    district = sign_in_staff(client, admin_user)
    assert district.get(pages[0]).status_code == 200
    assert Feedback.objects.count() == 0 and Proposal.objects.exists()


# --- what a published reply says, whose account reads a member's letters, whose facts --------
# (a tester, session 20: an agency's 录入员 rewrote published letters live, linked a member's
# sign-in to their own account, and edited facts quoted from another agency's records)


def test_a_clerk_cannot_change_what_a_published_reply_says(world, client):
    reply = ReplyFactory(proposal__lead_unit=world["ours"], letter="<p>已公开的答复。</p>")
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    clerk = sign_in_staff(client, world["clerk"])
    url = f"{REPLIES}{reply.pk}/change/"
    for change in (
        {"letter": "<p>录入员改写的答复。</p>", "correction_note": "更正错字"},
        {"category": ReplyCategory.objects.exclude(pk=reply.category_id).first().pk},
        {"contact_phone": "0871-99999999"},
    ):
        response = clerk.post(url, _reply_form(reply, **change))
        assert response.status_code == 200
        assert "需要公开答复的权限" in str(response.context["adminform"].form.errors), change
    reply.refresh_from_db()
    reply.record.refresh_from_db()
    assert reply.letter == reply.record.body == "<p>已公开的答复。</p>" and reply.contact_phone != "0871-99999999"
    with pytest.raises(PermissionDenied, match="需要公开答复的权限"):
        services.reply_correct(reply=reply, letter="<p>改写</p>", note="更正", user=world["clerk"])
    # Before it is published, the same clerk corrects a sent letter as before.
    unpublished = ReplyFactory(proposal__lead_unit=world["ours"], letter="<p>已送达。</p>")
    send(unpublished)
    services.reply_correct(reply=unpublished, letter="<p>已送达，更正后。</p>", note="错字", user=world["clerk"])


def test_a_letter_published_under_the_government_is_corrected_by_its_staff(world):
    reply = ReplyFactory(proposal__lead_unit=world["ours"], letter="<p>民政局的答复。</p>")
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    assert reply.record.publisher == world["ours"].parent
    with pytest.raises(PermissionDenied, match="须由该机构的工作人员操作"):
        services.reply_correct(reply=reply, letter="<p>改写</p>", note="更正", user=world["reviewer"])
    government = staff("qzf-reviewer", REVIEWER, world["ours"].parent)
    services.reply_correct(reply=reply, letter="<p>更正后的答复。</p>", note="更正错字", user=government)
    reply.record.refresh_from_db()
    assert reply.record.body == "<p>更正后的答复。</p>"


def test_only_district_wide_staff_link_a_members_sign_in_and_never_to_a_staff_account(world, client):
    from audit.models import Action, AuditEntry
    from proposals.models import Member
    from tests.disclosures.test_admin import district_wide

    from .factories import MemberFactory

    member = MemberFactory(name="陈委员")
    url = f"/admin/proposals/member/{member.pk}/change/"
    form = {
        "assembly": member.assembly_id,
        "name": member.name,
        "sector": "",
        "is_active": "on",
        "phone": "",
        "email": "",
        "address": "",
    }

    clerk = sign_in_staff(client, world["clerk"])
    response = clerk.post(
        url,
        {
            **form,
            "user": world["clerk"].pk,
            "edit_version": clerk.get(url).context["adminform"].form["edit_version"].value(),
        },
    )
    assert response.status_code == 302  # saved, the account left as it was: not a field for them
    assert Member.objects.get(pk=member.pk).user is None

    boss = district_wide(staff("district", REVIEWER, world["ours"]))
    admin = sign_in_staff(client, boss)
    version = admin.get(url).context["adminform"].form["edit_version"].value()
    response = admin.post(url, {**form, "user": world["clerk"].pk, "edit_version": version})
    assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
    citizen = User.objects.create_user("chen-weiyuan", password="pw-123456789")
    response = admin.post(url, {**form, "user": citizen.pk, "edit_version": version})
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).user == citizen
    entry = AuditEntry.objects.get(action=Action.PERMISSION_CHANGE, target_type="proposals.member")
    assert entry.actor_id == boss.pk and "chen-weiyuan" in entry.detail

    # A staff account linked before this rule reads no member's letters.
    Member.objects.filter(pk=member.pk).update(user=world["clerk"])
    response = sign_in_staff(client, world["clerk"]).get("/proposals/mine/")
    assert response.status_code == 403


def test_facts_quoted_from_another_agencys_record_are_changed_by_that_agencys_staff(world, client):
    from tests.communities.factories import FactFactory
    from tests.disclosures.factories import PublishedRecordFactory

    source = PublishedRecordFactory(publisher=world["theirs"], body="<p>社区共有居民1000人。</p>")
    fact = FactFactory(source_record=source, sentence="社区共有居民1000人。", period="截至2024年底")
    url = f"/admin/communities/fact/{fact.pk}/change/"
    clerk = sign_in_staff(client, world["clerk"])
    page = clerk.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]  # cited, read only
    clerk.post(url, {"period": "录入员改写"})
    fact.refresh_from_db()
    assert fact.period == "截至2024年底"
    assert clerk.post(f"/admin/communities/fact/{fact.pk}/delete/", {"post": "yes"}).status_code == 403
    # Nor can a new fact quote it: its figures would be out of the adder's reach at once.
    form = clerk.get("/admin/communities/fact/add/").context["adminform"].form
    assert source not in form.fields["source_record"].queryset
    theirs = staff("jyj-clerk", ENTRY_CLERK, world["theirs"])
    assert sign_in_staff(client, theirs).get(url).context["has_change_permission"]


def test_an_agency_cannot_reassign_its_proposal_or_take_on_another_members_contacts(world, client):
    """Who handles a proposal (主办, 会办) and who made it is the 交办 of the district: it decides
    which agency sees the proposal and whose contacts it reads (docs/decisions/0119). An
    agency's 录入员 handed their proposal to another agency, added a stranger as 联名人 and
    read the stranger's phone, and filed proposals under other agencies."""
    from tests.disclosures.test_admin import district_wide

    from .factories import MemberFactory, ProposalFactory
    from .test_admin import _proposal_form

    stranger = MemberFactory(name="王委员", phone="13912345678")
    ProposalFactory(lead_unit=world["theirs"], lead_member=stranger)
    proposal = ProposalFactory(lead_unit=world["ours"])
    url = f"/admin/proposals/proposal/{proposal.pk}/change/"
    clerk = sign_in_staff(client, world["clerk"])
    page = clerk.get(url).content.decode()
    assert 'name="lead_unit"' not in page and 'name="co_proposers"' not in page and 'name="extended"' in page
    form = _proposal_form(
        proposal,
        lead_unit=world["theirs"].pk,
        assisting_units=[world["theirs"].pk],
        co_proposers=[stranger.pk],
        extended="on",
        extension_reason="经区政协提案委员会同意",
    )
    assert clerk.post(url, form).status_code == 302  # what is theirs to change is saved
    proposal.refresh_from_db()
    assert proposal.extended and proposal.lead_unit == world["ours"]
    assert not proposal.assisting_units.exists() and not proposal.co_proposers.exists()
    member_page = clerk.get(f"/admin/proposals/member/{stranger.pk}/change/").content.decode()
    assert "13912345678" not in member_page

    assert clerk.get("/admin/proposals/proposal/add/").status_code == 403
    form = _proposal_form(proposal, number="990001", lead_unit=world["ours"].pk, lead_member=stranger.pk)
    assert clerk.post("/admin/proposals/proposal/add/", form).status_code == 403
    assert not Proposal.objects.filter(number="990001").exists()

    boss = sign_in_staff(client, district_wide(staff("jbs", REVIEWER, world["ours"].parent)))
    form = _proposal_form(proposal, lead_unit=world["theirs"].pk, co_proposers=[stranger.pk])
    assert boss.post(url, form).status_code == 302
    proposal.refresh_from_db()
    assert proposal.lead_unit == world["theirs"] and list(proposal.co_proposers.all()) == [stranger]


def test_an_assisting_unit_reads_the_proposal_but_its_handling_is_the_lead_units(world, client):
    """会办: the assisting unit sees the proposal it helps with; its state, deadline and
    extension are the lead unit's (主办) to keep. An assisting unit's 录入员 extended and closed
    another agency's proposal."""
    from .factories import ProposalFactory
    from .test_admin import _proposal_form

    proposal = ProposalFactory(lead_unit=world["theirs"])
    proposal.assisting_units.add(world["ours"])
    url = f"/admin/proposals/proposal/{proposal.pk}/change/"
    clerk = sign_in_staff(client, world["clerk"])
    page = clerk.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    form = _proposal_form(proposal, status="answered", extended="on", extension_reason="会办单位延期")
    assert clerk.post(url, form).status_code == 403
    proposal.refresh_from_db()
    assert (proposal.status, proposal.extended) == (Proposal.Status.ASSIGNED, False)
    with pytest.raises(PermissionDenied):
        services.proposal_extend(proposal=proposal, reason="会办单位延期", user=world["clerk"])


def test_who_a_member_is_and_the_streets_are_changed_by_district_wide_staff_only(world, client):
    """An agency's 录入员 renamed a member and a street, shown at once on every public page of
    theirs (a tester's find): read-only to them; a member's contacts in reach stay theirs."""
    from communities.models import Street
    from proposals.models import Member
    from tests.disclosures.test_admin import district_wide

    from .factories import MemberFactory

    member = MemberFactory(name="陈委员")
    street = Street.objects.create(name="太和街道")
    clerk = sign_in_staff(client, world["clerk"])
    url = f"/admin/proposals/member/{member.pk}/change/"
    page = clerk.get(url)
    assert 'name="name"' not in page.content.decode() and "陈委员" in page.content.decode()
    version = page.context["adminform"].form["edit_version"].value()
    form = {"assembly": member.assembly_id, "name": "陈委员改名", "sector": "", "phone": "", "email": "", "address": ""}
    clerk.post(url, {**form, "edit_version": version})
    assert Member.objects.get(pk=member.pk).name == "陈委员" and Member.objects.get(pk=member.pk).is_active
    assert clerk.get("/admin/proposals/member/add/").status_code == 403
    assert clerk.get(f"/admin/communities/street/{street.pk}/change/").status_code == 200  # to read
    assert clerk.post(f"/admin/communities/street/{street.pk}/change/", {"name": "改名"}).status_code == 403
    assert clerk.get("/admin/communities/community/add/").status_code == 403
    assert Street.objects.get(pk=street.pk).name == "太和街道"

    boss = sign_in_staff(client, district_wide(staff("jbs", REVIEWER, world["ours"].parent)))
    version = boss.get(url).context["adminform"].form["edit_version"].value()
    assert boss.post(url, {**form, "is_active": "on", "edit_version": version}).status_code == 302
    assert Member.objects.get(pk=member.pk).name == "陈委员改名"


def test_only_staff_who_may_change_feedback_confirm_it(world, client):
    """Confirming a member's 满意度 ends their say on it: staff who may only read feedback (a
    view permission) neither confirm it from the list's action nor through the service."""
    from django.contrib.auth.models import Permission

    reply = world["our_draft"]
    send(reply)
    feedback = services.feedback_submit(reply=reply, member=reply.proposal.lead_member, level=level("satisfied"))
    with pytest.raises(PermissionDenied):
        services.feedback_close(feedback=feedback, user=world["clerk"])
    reader = world["clerk"]
    reader.user_permissions.add(Permission.objects.get(codename="view_feedback"))
    reader = User.objects.get(pk=reader.pk)
    signed_in = sign_in_staff(client, reader)
    assert signed_in.get("/admin/proposals/feedback/").status_code == 200
    signed_in.post("/admin/proposals/feedback/", {"action": "close_selected", "_selected_action": [feedback.pk]})
    assert not Feedback.objects.get(pk=feedback.pk).is_closed
    assert services.feedback_close(feedback=feedback, user=world["reviewer"]).is_closed
