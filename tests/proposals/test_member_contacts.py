"""Members' contact details (不公开) are read and changed only by district-wide staff and by
staff of an agency that handles one of the member's proposals; everyone else sees them masked
and cannot change them, find a member by them or read them in an old version
(docs/decisions/0119)."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Action, AuditEntry
from core.roles import ENTRY_CLERK, REVIEWER
from proposals import selectors, services
from proposals.models import Member
from tests.disclosures.test_admin import district_wide
from tests.staff import sign_in_staff

from .conftest import publish, send
from .factories import MemberFactory, ProposalFactory, ReplyFactory, UnitFactory
from .test_agency_scope import staff

pytestmark = pytest.mark.django_db
MEMBERS = "/admin/proposals/member/"
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


def change_url(member):
    return f"{MEMBERS}{member.pk}/change/"


def form_data(client, member, **changes):
    """The change form as the staff member's page holds it, with `changes` typed in."""
    form = client.get(change_url(member)).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "user"}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value not in (None, False)}
    return {**data, **changes}


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


# --- the admin ----------------------------------------------------------------------------


def test_staff_of_a_handling_agency_read_and_change_the_contacts(world, client):
    member = world["ours_member"]
    clerk = sign_in_staff(client, world["clerk"])
    page = clerk.get(change_url(member)).content.decode()
    assert PHONE in page and EMAIL in page and ADDRESS in page and 'name="phone"' in page
    response = clerk.post(change_url(member), form_data(clerk, member, phone="13711112222", address="新地址3号"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.phone, member.email, member.address) == ("13711112222", EMAIL, "新地址3号")
    # Not another agency's member's (the page every staff member saw in full before).
    assert "13800005678" not in clerk.get(change_url(world["their_member"])).content.decode()


def test_other_staff_see_them_masked_and_cannot_change_them(world, client):
    member = world["ours_member"]
    outsider = sign_in_staff(client, staff("jyj-clerk", ENTRY_CLERK, world["theirs"]))
    listing = outsider.get(MEMBERS).content.decode()
    assert "139****5678" in listing and PHONE not in listing
    page = outsider.get(change_url(member)).content.decode()
    assert "139****5678" in page and "（不公开）" in page
    assert PHONE not in page and EMAIL not in page and "某路" not in page
    assert 'name="phone"' not in page and 'name="email"' not in page and 'name="address"' not in page

    # Whatever is posted (blank, the masked text, another number), the stored values stay.
    for typed in ({"phone": "", "email": "", "address": ""}, {"phone": "139****5678"}, {"phone": "13000000000"}):
        response = outsider.post(change_url(member), form_data(outsider, member, sector="教育界", **typed))
        assert response.status_code == 302, typed
        member.refresh_from_db()
        assert (member.phone, member.email, member.address) == (PHONE, EMAIL, ADDRESS), typed
    assert member.sector == "经济界"  # nor who the member is: the district's to change


def test_district_wide_staff_read_every_members_contacts(world, client):
    lone = MemberFactory(name="孙委员", phone="13655556666", email="sun@example.com")  # no proposal at all
    boss = sign_in_staff(client, district_wide(staff("district", REVIEWER, world["ours"])))
    for member, phone in ((lone, "13655556666"), (world["their_member"], "13800005678")):
        page = boss.get(change_url(member)).content.decode()
        assert phone in page and 'name="phone"' in page
    clerk = sign_in_staff(client, world["clerk"])
    assert "13655556666" not in clerk.get(change_url(lone)).content.decode()  # not an agency's clerk


def test_an_old_version_is_masked_out_of_reach(world, client):
    member = world["their_member"]
    version = member.history.order_by("history_id").first().history_id
    Member.objects.filter(pk=member.pk).update(phone="13899990000")  # the old number only in history
    url = f"{MEMBERS}{member.pk}/history/{version}/"
    clerk = sign_in_staff(client, world["clerk"])
    page = clerk.get(url).content.decode()
    assert "138****5678" in page and "13800005678" not in page and "qian@example.com" not in page
    history = clerk.get(f"{MEMBERS}{member.pk}/history/").content.decode()
    assert "13800005678" not in history and "13899990000" not in history
    ours = world["ours_member"]
    page = clerk.get(f"{MEMBERS}{ours.pk}/history/{ours.history.first().history_id}/").content.decode()
    assert PHONE in page


def test_opening_the_contacts_is_audited_without_the_values(world, client):
    clerk = sign_in_staff(client, world["clerk"])
    assert clerk.get(change_url(world["their_member"])).status_code == 200  # masked: nothing opened
    assert not AuditEntry.objects.filter(action=Action.PERSONAL_DATA_VIEW).exists()
    assert clerk.get(change_url(world["ours_member"])).status_code == 200
    (entry,) = AuditEntry.objects.filter(action=Action.PERSONAL_DATA_VIEW)
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        world["clerk"].pk,
        "proposals.member",
        str(world["ours_member"].pk),
    )
    logged = " ".join(str(value) for row in AuditEntry.objects.values_list() for value in row)
    assert PHONE not in logged and EMAIL not in logged and "某路" not in logged


def test_a_member_is_found_by_phone_or_email_only_within_reach(world, client):
    outsider = sign_in_staff(client, staff("jyj-clerk", ENTRY_CLERK, world["theirs"]))
    for term in (PHONE, "12345678", EMAIL, "zhao.weiyuan"):
        listing = outsider.get(MEMBERS, {"q": term}).content.decode()
        assert "赵委员" not in listing, term
    assert "钱委员" in outsider.get(MEMBERS, {"q": "13800005678"}).content.decode()  # their own member
    # The autocomplete boxes (a proposal's 领衔人) search the same way.
    autocomplete = outsider.get(
        "/admin/autocomplete/",
        {"app_label": "proposals", "model_name": "proposal", "field_name": "lead_member", "term": PHONE},
    )
    assert autocomplete.status_code == 200 and "赵委员" not in autocomplete.content.decode()

    clerk = sign_in_staff(client, world["clerk"])
    for term in (PHONE, EMAIL):
        listing = clerk.get(MEMBERS, {"q": term}).content.decode()
        assert "赵委员" in listing and "钱委员" not in listing, term
    assert "赵委员" in clerk.get(MEMBERS, {"q": "赵委员"}).content.decode()  # by name, as before


def test_the_changelist_lists_phones_masked_with_no_query_per_member(world, client):
    clerk = sign_in_staff(client, world["clerk"])

    def queries():
        clerk.get(MEMBERS)
        with CaptureQueriesContext(connection) as captured:
            response = clerk.get(MEMBERS, {"q": "委员"})
        assert response.status_code == 200
        return len(captured), response.content.decode()

    few, _ = queries()
    for n in range(10):
        MemberFactory(name=f"李委员{n}", phone=f"1370000{n:04d}")
    many, listing = queries()
    assert many == few
    # Masked for everyone, as 依申请公开 lists show applicants: the full number is on the
    # (audited) change page of those who may read it.
    assert "139****5678" in listing and "137****0009" in listing and PHONE not in listing


def test_the_changelist_takes_no_filter_by_a_contact_out_of_reach(world, client):
    # ?phone__startswith=… is a lookup the admin allows on any local field: each hit or miss
    # would spell out, digit by digit, the number the page shows masked.
    outsider = sign_in_staff(client, staff("jyj-clerk", ENTRY_CLERK, world["theirs"]))
    for lookup in (
        {"phone__startswith": "1391"},
        {"phone": PHONE},
        {"email__contains": "zhao"},
        {"address__contains": "关上"},
    ):
        response = outsider.get(MEMBERS, lookup)
        assert response.status_code == 400 and "赵委员" not in response.content.decode(), lookup
    clerk = sign_in_staff(client, world["clerk"])
    assert "赵委员" in clerk.get(MEMBERS, {"q": "赵委员"}).content.decode()


def test_an_edit_conflict_does_not_show_contacts_out_of_reach(world, client):
    member = world["ours_member"]
    outsider = sign_in_staff(client, staff("jyj-clerk", ENTRY_CLERK, world["theirs"]))
    data = form_data(outsider, member, sector="教育界")
    # Meanwhile someone within reach changes the phone: the outsider's save is refused as a
    # conflict, and the message says what changed since the page was opened.
    member.phone = "13711112222"
    member.save()
    response = outsider.post(change_url(member), data)
    page = response.content.decode()
    assert response.status_code == 200 and "保存失败" in page
    assert "13711112222" not in page and PHONE not in page
    assert "联系电话（不公开）（已修改，不显示）" in page
    assert "1371111" not in page and "2222" not in page.split("保存失败", 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(
    "phone, masked",
    [("13912345678", "139****5678"), ("65123456", "****3456"), ("0871651234", "******1234"), ("", "")],
)
def test_a_masked_phone_hides_at_least_four_digits(phone, masked):
    # A local 8-digit number kept its first 3 and last 4: one digit hidden, ten guesses.
    assert Member(phone=phone).masked_phone == masked


@pytest.mark.parametrize("stored", ["139-1234-5678", "139 1234 5678", "+86 139 1234 5678"])
def test_a_phone_is_found_by_its_digits_however_it_was_typed(world, client, stored):
    # Staff type a number as they read it; the member's was entered with separators, or the
    # other way round: only the digits count (within reach, as before).
    Member.objects.filter(pk=world["ours_member"].pk).update(phone=stored)
    clerk = sign_in_staff(client, world["clerk"])
    for term in ("13912345678", "１３９１２３４５６７８", "139-1234-5678", "(139) 1234 5678", "5678"):
        listing = clerk.get(MEMBERS, {"q": term}).content.decode()
        assert "赵委员" in listing, term
    assert "赵委员" not in clerk.get(MEMBERS, {"q": "13912340000"}).content.decode()
    outsider = sign_in_staff(client, staff("jyj-clerk", ENTRY_CLERK, world["theirs"]))
    assert "赵委员" not in outsider.get(MEMBERS, {"q": "13912345678"}).content.decode()


# --- the sign-in account ------------------------------------------------------------------


@pytest.fixture
def phone_account(world):
    """A district that makes each member's phone number their user name."""
    member = world["ours_member"]
    member.user = User.objects.create_user(PHONE, password="pw-123456789")
    member.save()
    return member


def test_a_members_account_name_is_shown_and_searched_only_within_reach(world, phone_account, client):
    outsider = sign_in_staff(client, staff("jyj-clerk", ENTRY_CLERK, world["theirs"]))
    listing = outsider.get(MEMBERS).content.decode()
    assert "赵委员" in listing and "已关联（不显示账号）" in listing and PHONE not in listing
    found = outsider.get(MEMBERS, {"q": PHONE}).content.decode()
    assert "赵委员" not in found  # a hit would tell whose number it is
    page = outsider.get(change_url(phone_account)).content.decode()
    assert PHONE not in page and "已关联（不显示账号）" in page
    assert outsider.get(MEMBERS, {"user__username__startswith": "139"}).status_code == 400


def test_within_reach_the_account_name_is_shown_and_found(world, phone_account, client):
    clerk = sign_in_staff(client, world["clerk"])
    assert PHONE in clerk.get(MEMBERS).content.decode()
    assert "赵委员" in clerk.get(MEMBERS, {"q": PHONE}).content.decode()
    assert PHONE in clerk.get(change_url(phone_account)).content.decode()


def test_the_history_list_does_not_show_an_account_name_change(world, phone_account, client):
    phone_account.user = User.objects.create_user("13711112222", password="pw-123456789")
    phone_account.save()
    admin = sign_in_staff(client, district_wide(staff("qu-admin", REVIEWER, world["ours"])))
    history = admin.get(f"{change_url(phone_account)[: -len('change/')]}history/").content.decode()
    assert "13711112222" not in history and PHONE not in history
