"""The platform's shared structures — the guide and policy pages, the 法定主动公开内容 column tree,
agency memberships and other agencies' details — are changed only by district-wide staff, even
where an agency's staff member holds the model permissions; an agency keeps its own details."""

import pytest
from django.contrib.auth.models import Permission, User

from agencies.models import StatutoryColumn
from disclosures.models import AgencyMembership, Organization, Page
from tests.disclosures.factories import OrganizationFactory
from tests.disclosures.test_admin import district_wide
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
MODELS = {
    "page": ("disclosures", Page),
    "statutorycolumn": ("agencies", StatutoryColumn),
    "agencymembership": ("disclosures", AgencyMembership),
    "organization": ("disclosures", Organization),
}


def with_every_permission(user):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__model__in=MODELS, codename__regex=r"^(add|change|delete|view)_")
    )
    return User.objects.get(pk=user.pk)  # permissions are cached per object


@pytest.fixture
def world():
    district = OrganizationFactory(name="昆明市官渡区人民政府")
    civil = OrganizationFactory(name="昆明市官渡区民政局", parent=district)
    editor = with_every_permission(User.objects.create_user("mzj-admin", password="pw-123456789", is_staff=True))
    AgencyMembership.objects.create(user=editor, organization=civil)
    page = Page.objects.create(slug="guide", title="政府信息公开指南", body="<p>指南</p>")
    column = StatutoryColumn.objects.create(name="机构职能")
    return {"district": district, "civil": civil, "editor": editor, "page": page, "column": column}


def change_url(model, pk):
    app, _ = MODELS[model]
    return f"/admin/{app}/{model}/{pk}/change/"


@pytest.mark.parametrize("model", ["page", "statutorycolumn", "agencymembership"])
def test_agency_staff_may_look_but_not_add_change_or_delete(client, world, model):
    sign_in_staff(client, world["editor"])
    app, cls = MODELS[model]
    target = cls.objects.first()
    assert client.get(f"/admin/{app}/{model}/").status_code == 200
    assert client.get(f"/admin/{app}/{model}/add/").status_code == 403
    assert client.post(f"/admin/{app}/{model}/{target.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(change_url(model, target.pk), {"title": "改写", "name": "改写"}).status_code == 403
    assert cls.objects.filter(pk=target.pk).exists()


def test_agency_staff_cannot_grant_themselves_another_agency(client, world):
    sign_in_staff(client, world["editor"])
    client.post(
        "/admin/disclosures/agencymembership/add/", {"user": world["editor"].pk, "organization": world["district"].pk}
    )
    assert list(AgencyMembership.objects.filter(user=world["editor"]).values_list("organization", flat=True)) == [
        world["civil"].pk
    ]


def test_an_agency_keeps_its_own_details_and_no_one_elses(client, world):
    sign_in_staff(client, world["editor"])
    own = client.get(change_url("organization", world["civil"].pk)).content.decode()
    other = client.get(change_url("organization", world["district"].pk)).content.decode()
    assert 'name="_save"' in own and 'name="_save"' not in other  # the other is read-only
    assert client.post(change_url("organization", world["district"].pk), {"name": "改名"}).status_code == 403
    assert client.get("/admin/disclosures/organization/add/").status_code == 403


def test_district_wide_staff_change_them(client, world):
    admin = district_wide(with_every_permission(User.objects.create_user("qzf", password="pw-1", is_staff=True)))
    sign_in_staff(client, User.objects.get(pk=admin.pk))
    assert client.get("/admin/disclosures/page/add/").status_code == 200
    response = client.get(change_url("organization", world["district"].pk)).content.decode()
    assert 'name="_save"' in response
