"""An agency's 终审 reviewer stays within their agency: another agency's deleted records are
neither listed nor restored, another agency's drafts cannot be linked as 替代文件 (whose title the
form would then show), and their own agency's codes, parent and review levels are the district's."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.concurrency import current_version
from core.roles import REVIEW_GROUPS
from disclosures import selectors, services
from disclosures.models import AgencyMembership, DisclosureRecord, Organization
from tests.disclosures.factories import OrganizationFactory, RecordFactory
from tests.disclosures.test_admin import district_wide
from tests.disclosures.test_review import record_data
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
RECORDS = "/admin/disclosures/disclosurerecord/"
DELETED = f"{RECORDS}deleted/"


@pytest.fixture
def world():
    district = OrganizationFactory(name="昆明市官渡区人民政府", org_code="015117762")
    civil = OrganizationFactory(name="昆明市官渡区民政局", org_code="015117770", parent=district, review_levels=3)
    chief = User.objects.create_user("mzj-chief", password="pw-123456789", is_staff=True)
    chief.groups.add(Group.objects.get(name=REVIEW_GROUPS["final"]))  # civil's only agency
    AgencyMembership.objects.create(user=chief, organization=civil)
    return {
        "district": district,
        "civil": civil,
        "chief": User.objects.get(pk=chief.pk),
        "theirs": RecordFactory(title="区政府尚未公开的草稿", publisher=district),
        "theirs_public": RecordFactory(
            title="区政府已公开的通知",
            publisher=district,
            status="published",
            published_at=timezone.now(),
            index_number="015117762-202601-000001",
        ),
        "ours": RecordFactory(title="民政局的草稿", publisher=civil),
    }


@pytest.fixture
def chief_client(client, world):
    return sign_in_staff(client, world["chief"])


def deleted_row(record):
    pk = record.pk
    record.delete()
    return DisclosureRecord.history.get(id=pk, history_type="-").history_id


# --- deleted records ------------------------------------------------------------------------


def test_the_deleted_list_shows_only_the_reviewers_agency(chief_client, world):
    deleted_row(world["theirs"])
    deleted_row(world["ours"])
    html = chief_client.get(DELETED).content.decode()
    assert "民政局的草稿" in html
    assert "区政府尚未公开的草稿" not in html
    assert [row.title for row in selectors.records_deleted(user=world["chief"])] == ["民政局的草稿"]


def test_district_wide_staff_see_every_deleted_record(world):
    deleted_row(world["theirs"])
    deleted_row(world["ours"])
    district_wide(world["chief"])
    chief = User.objects.get(pk=world["chief"].pk)  # permissions are cached per object
    titles = {row.title for row in selectors.records_deleted(user=chief)}
    assert titles == {"区政府尚未公开的草稿", "民政局的草稿"}


def test_a_direct_post_does_not_restore_another_agencys_record(chief_client, world):
    record = world["theirs"]
    history_id = deleted_row(record)
    response = chief_client.post(DELETED, {"history_id": history_id}, follow=True)
    assert not DisclosureRecord.objects.filter(title="区政府尚未公开的草稿").exists()
    html = response.content.decode()
    assert "没有这条已删除的记录" in html  # answered as a missing one
    assert "区政府尚未公开的草稿" not in html


def test_the_service_refuses_another_agencys_record_and_restores_its_own(world):
    theirs, ours = deleted_row(world["theirs"]), deleted_row(world["ours"])
    with pytest.raises(PermissionDenied):
        services.record_restore(history_id=theirs, user=world["chief"])
    assert not DisclosureRecord.objects.filter(title="区政府尚未公开的草稿").exists()
    assert services.record_restore(history_id=ours, user=world["chief"]).title == "民政局的草稿"


def test_the_reviewer_restores_their_own_agencys_record_in_the_admin(chief_client, world):
    history_id = deleted_row(world["ours"])
    response = chief_client.post(DELETED, {"history_id": history_id})
    assert response.status_code == 302
    assert DisclosureRecord.objects.get(title="民政局的草稿").publisher == world["civil"]


# --- 替代文件 ----------------------------------------------------------------------------


def post_record(client, record, **overrides):
    data = record_data(record, edit_version=current_version(record), **overrides)
    return client.post(f"{RECORDS}{record.pk}/change/", data)


def test_another_agencys_draft_cannot_be_linked_by_a_forged_id(chief_client, world):
    record = world["ours"]
    response = post_record(chief_client, record, superseded_by=world["theirs"].pk, summary="保留的概述")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["superseded_by"] == ["只能选择本机构的记录或已公开的记录作为替代文件。"]
    html = response.content.decode()
    assert "区政府尚未公开的草稿" not in html
    assert "保留的概述" in html  # what was typed is shown again
    record.refresh_from_db()
    assert record.superseded_by is None


def test_public_records_and_the_agencys_own_can_be_linked(chief_client, world):
    record = world["ours"]
    for linked in (world["theirs_public"], RecordFactory(title="民政局的另一份草稿", publisher=world["civil"])):
        record.refresh_from_db()
        response = post_record(chief_client, record, superseded_by=linked.pk)
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.superseded_by == linked


def test_a_link_already_saved_is_kept_when_the_agency_saves(chief_client, world):
    record = world["ours"]
    record.superseded_by = world["theirs"]  # chosen by district-wide staff
    record.save()
    page = chief_client.get(f"{RECORDS}{record.pk}/change/").content.decode()
    assert world["theirs"].title not in page and "（其他机构尚未公开的记录）" in page  # kept, not shown
    response = post_record(chief_client, record, superseded_by=world["theirs"].pk, summary="改了概述")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.superseded_by == world["theirs"] and record.summary == "改了概述"


# --- the agency's own Organization ---------------------------------------------------------

ORGANIZATION = "/admin/disclosures/organization/{}/change/"


def organization_data(organization, **overrides):
    data = {
        "name": organization.name,
        "short_name": organization.short_name,
        "org_code": organization.org_code,
        "credit_code": organization.credit_code,
        "parent": organization.parent_id or "",
        "address": organization.address,
        "office_hours": organization.office_hours,
        "phone": organization.phone,
        "fax": organization.fax,
        "online_contact": organization.online_contact,
        "section_code": organization.section_code or "",
        "review_levels": organization.review_levels or "",
        "edit_version": current_version(organization),
    }
    return {**data, **overrides}


DISTRICT_CHANGES = {
    "review_levels": 1,
    "org_code": "015117789",
    "credit_code": "11530111015117762A",
    "section_code": "mzj-new",
    "parent": "",
}


def test_agency_staff_change_their_details_but_not_codes_parent_or_review_levels(chief_client, world):
    civil = world["civil"]
    page = chief_client.get(ORGANIZATION.format(civil.pk)).content.decode()
    assert 'name="address"' in page
    for name in DISTRICT_CHANGES:
        assert f'name="{name}"' not in page  # shown, not editable
    response = chief_client.post(
        ORGANIZATION.format(civil.pk), organization_data(civil, address="新地址", **DISTRICT_CHANGES)
    )
    assert response.status_code == 302
    stored = Organization.objects.get(pk=civil.pk)
    assert stored.address == "新地址"
    assert (stored.review_levels, stored.org_code, stored.credit_code, stored.section_code, stored.parent) == (
        3,
        "015117770",
        "",
        None,
        world["district"],
    )


def test_the_history_is_read_only_and_a_bad_version_id_is_a_404(chief_client, world):
    """simple-history's revert saved a POSTed old version past the services (review levels
    lowered by an agency, a published record made a draft): every history page only shows."""
    civil = world["civil"]
    civil.review_levels, civil.parent = 1, None
    civil.save()
    old = civil.history.latest("history_id").history_id  # one review level, no parent
    civil.review_levels, civil.parent = 3, world["district"]
    civil.save()  # raised by the district
    url = f"/admin/disclosures/organization/{civil.pk}/history/{old}/"
    assert chief_client.get(url).status_code == 200
    response = chief_client.post(url, organization_data(civil, address="回退后的地址", review_levels=1, parent=""))
    assert response.status_code == 403
    stored = Organization.objects.get(pk=civil.pk)
    assert (stored.review_levels, stored.parent, stored.address) == (3, world["district"], civil.address)
    assert chief_client.get(f"/admin/disclosures/organization/{civil.pk}/history/abc/").status_code == 404
    assert chief_client.get(f"/admin/disclosures/organization/{civil.pk}/history/²/").status_code == 404
    assert chief_client.get("/admin/disclosures/organization/abc/history/").status_code == 404
    assert chief_client.get(f"/admin/disclosures/organization/abc/history/{old}/").status_code == 404


def test_district_wide_staff_change_codes_parent_and_review_levels(client, world):
    admin = district_wide(User.objects.create_user("qzf", password="pw-123456789", is_staff=True))
    admin.groups.add(Group.objects.get(name=REVIEW_GROUPS["final"]))
    sign_in_staff(client, User.objects.get(pk=admin.pk))
    civil = world["civil"]
    response = client.post(
        ORGANIZATION.format(civil.pk), organization_data(civil, review_levels=1, org_code="015117789", parent="")
    )
    assert response.status_code == 302
    stored = Organization.objects.get(pk=civil.pk)
    assert (stored.review_levels, stored.org_code, stored.parent) == (1, "015117789", None)


def test_every_admin_with_a_history_keeps_it_read_only():
    """A new admin built on simple-history's own class would bring the revert back."""
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    from core.history_admin import HistoryAdmin

    with_history = [a for a in admin.site._registry.values() if isinstance(a, SimpleHistoryAdmin)]
    assert len(with_history) > 20
    assert [type(a).__name__ for a in with_history if not isinstance(a, HistoryAdmin)] == []


# --- reference lists every agency shares ----------------------------------------------------


def _reference_rows():
    from communities.models import Metric
    from disclosures.models import Topic
    from inforequests.models import NoticeTemplate
    from proposals.models import ReplyCategory

    return [
        (
            "inforequests",
            "noticetemplate",
            NoticeTemplate.objects.create(key="granted-test", title="予以公开告知书", body="正文"),
        ),
        ("disclosures", "topic", Topic.objects.create(name="测试主题")),
        ("communities", "metric", Metric.objects.create(name="测试指标", slug="test-metric", unit="个")),
        ("proposals", "replycategory", ReplyCategory.objects.create(code="T", label="测试类别")),
    ]


def test_an_agencys_reviewer_reads_the_shared_reference_lists_and_changes_none(chief_client, world):
    """The 告知书模板 is the legal text every agency sends its applicants; a topic or an indicator
    is every agency's too: an agency's 终审 could rewrite them for the whole district."""
    for app, model, row in _reference_rows():
        change = f"/admin/{app}/{model}/{row.pk}/change/"
        page = chief_client.get(change)
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), model
        assert chief_client.post(change, {}).status_code == 403, model
        assert chief_client.get(f"/admin/{app}/{model}/add/").status_code == 403, model
        assert chief_client.post(f"/admin/{app}/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403, model
        assert type(row).objects.filter(pk=row.pk).exists()


def test_district_wide_staff_change_the_reference_lists(client, world):
    admin = sign_in_staff(client, district_wide(world["chief"]))
    for app, model, row in _reference_rows():
        page = admin.get(f"/admin/{app}/{model}/{row.pk}/change/").content.decode()
        assert 'name="_save"' in page, model
