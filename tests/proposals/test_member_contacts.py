"""Members' contact details (不公开) are read and changed only by district-wide staff and by
staff of an agency that handles one of the member's proposals; everyone else sees them masked
and cannot change them, find a member by them or read them in an old version
(docs/decisions/0119)."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from core.roles import ENTRY_CLERK
from proposals import selectors, services
from proposals.models import Member
from tests.disclosures.test_admin import district_wide

from .conftest import publish, send
from .factories import MemberFactory, ProposalFactory, ReplyFactory, UnitFactory
from .test_agency_scope import staff

pytestmark = pytest.mark.django_db
PHONE, EMAIL, ADDRESS = "13912345678", "zhao.weiyuan@example.com", "官渡区关上街道某路1号"


@pytest.fixture
def world(vocab):
    ours, theirs = UnitFactory(name="测试区民政局"), UnitFactory(name="测试区教育局")
    ours_member = MemberFactory(name="赵委员", phone=PHONE, email=EMAIL, address=ADDRESS)
    their_member = MemberFactory(name="钱委员", phone="13800005678", email="qian@example.com", address="某街2号")
    ProposalFactory(lead_member=ours_member, session__assembly=ours_member.assembly, lead_unit=ours)
    ProposalFactory(lead_member=their_member, session__assembly=their_member.assembly, lead_unit=theirs)
    return {
        "ours": ours,
        "theirs": theirs,
        "ours_member": ours_member,
        "their_member": their_member,
        "clerk": staff("mzj-clerk", ENTRY_CLERK, ours),
    }


# --- who may ------------------------------------------------------------------------------


def test_the_agencies_handling_a_members_proposals_reach_their_contacts(world):
    clerk, ours, member = world["clerk"], world["ours"], world["their_member"]
    in_reach = lambda: selectors.can_see_member_contacts(clerk, member.pk)  # noqa: E731
    assert selectors.can_see_member_contacts(clerk, world["ours_member"].pk)
    assert not in_reach()

    # Co-signing a proposal ours leads; then a proposal ours assists with; then one ours answers.
    co_signed = ProposalFactory(session__assembly=member.assembly, lead_unit=ours)
    co_signed.co_proposers.add(member)
    assert in_reach()
    co_signed.co_proposers.clear()
    assisted = ProposalFactory(lead_member=member, session__assembly=member.assembly, lead_unit=world["theirs"])
    assisted.assisting_units.add(ours)
    assert in_reach()
    assisted.assisting_units.clear()
    ReplyFactory(proposal=assisted, answering_unit=ours)
    assert in_reach()


def test_publishing_a_reply_or_signing_in_is_not_handling(world):
    member, government = world["their_member"], world["theirs"].parent
    reply = ReplyFactory(proposal__lead_member=member, proposal__session__assembly=member.assembly)
    send(reply)
    publish(reply)
    reply.refresh_from_db()
    assert reply.record.publisher == government
    assert not selectors.can_see_member_contacts(staff("qzf-clerk", ENTRY_CLERK, government), member.pk)
    citizen = User.objects.create_user("citizen", password="pw-123456789")
    assert not selectors.members_with_contacts_for_staff(citizen).exists()
    assert selectors.members_with_contacts_for_staff(district_wide(world["clerk"])).count() == Member.objects.count()


def test_the_service_refuses_a_contact_change_out_of_reach(world):
    member = world["their_member"]
    with pytest.raises(PermissionDenied):
        services.member_contacts_check(member=member, changed=["phone"], user=world["clerk"])
    services.member_contacts_check(member=member, changed=["sector"], user=world["clerk"])
    services.member_contacts_check(member=world["ours_member"], changed=["phone"], user=world["clerk"])
    services.member_contacts_check(member=Member(name="新委员"), changed=["phone"], user=world["clerk"])
