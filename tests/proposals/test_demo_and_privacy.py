"""Demo data (labelled, seeded, idempotent) and members' contact details on no public page."""

import pytest
from django.core.management import call_command

from core.demo import demo_loaders
from disclosures.models import DisclosureRecord, Organization
from proposals.demo import load_demo_data
from proposals.models import Feedback, Member, Proposal, Reply, Session
from tests.conftest import shared_transaction

from .factories import vocabularies

pytestmark = pytest.mark.django_db
MODELS = [Proposal, Reply, Feedback, Member, Session, Organization, DisclosureRecord]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo data, loaded once for this module (it takes many seconds) by the command, into
    a database holding only the migrations' vocabularies, and rolled back after the module's
    last test; each test runs in a savepoint within it (see `shared_transaction`).
    Returns the row counts right after that first `load_demo_data`."""
    with shared_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            vocabularies()
            call_command("load_demo_data", verbosity=0)
            first = counts()
        yield first


@pytest.fixture
def demo(demo_loaded, db):
    return demo_loaded


def test_demo_loader_is_registered_and_idempotent(demo):
    assert "proposals" in dict(demo_loaders())
    first = demo  # the counts after the first `load_demo_data` (the `demo_loaded` fixture)
    call_command("load_demo_data", verbosity=0)
    assert counts() == first
    assert load_demo_data() == "already present, nothing created"
    assert_labelled_and_complete()


def assert_labelled_and_complete():
    proposals = Proposal.objects.filter(session__assembly__name__contains="演示数据")
    assert proposals.count() >= 40
    assert all("演示数据" in title for title in Proposal.objects.values_list("title", flat=True))
    assert all("演示数据" in r.record.title for r in Reply.objects.exclude(record=None).select_related("record"))
    assert Session.objects.filter(assembly__name__contains="演示数据").count() == 2
    for session in Session.objects.all():
        statuses = set(session.proposals.values_list("status", flat=True))
        assert statuses == set(Proposal.Status.values), session
        classes = set(Reply.objects.sent().filter(proposal__session=session).values_list("category__code", flat=True))
        assert classes == {"A", "B", "C"}, session
    assert Proposal.objects.overdue().exists()
    assert Proposal.objects.open().exclude(pk__in=Proposal.objects.overdue()).exists()  # and some not yet due
    assert Feedback.objects.filter(level__requires_rehandling=True).exists()
    assert Feedback.objects.filter(level__counts_as_satisfied=True).exists()
    assert set(Reply.objects.values_list("publication_mode", flat=True)) == {"full", "summary", "withheld"}
    assert Reply.objects.filter(status=Reply.Status.DRAFT).exists()
    published = Reply.objects.exclude(published_at=None).values_list("published_at", flat=True)
    assert all(at.second == at.microsecond == 0 for at in published)  # 发布日期 to the minute, like the catalogue


def test_demo_data_is_the_same_on_every_fresh_run(demo):
    snapshot = list(
        Proposal.objects.order_by("session__number", "number").values_list(
            "number", "title", "status", "lead_member__name", "lead_unit__name", "is_key", "extended"
        )
    )
    Feedback.objects.all().delete()
    Reply.objects.all().delete()
    Proposal.objects.all().delete()
    load_demo_data()
    again = list(
        Proposal.objects.order_by("session__number", "number").values_list(
            "number", "title", "status", "lead_member__name", "lead_unit__name", "is_key", "extended"
        )
    )
    assert again == snapshot


def test_member_contact_details_are_on_no_public_page(demo, reader_client, seed):
    # The seed is loaded on top of the shared demo data (within this test's savepoint).
    members = list(Member.objects.exclude(phone="").exclude(email=""))
    assert len(members) >= 10
    secrets = {value for m in members for value in (m.phone, m.email, m.address)}
    urls = [
        "/",
        "/proposals/",
        "/proposals/?page=2",
        "/proposals/?page=3",
        "/proposals/lookup/",
        "/sitemap/",
        "/disclosures/",
        "/search/?q=演示",
        "/search/?q=委员",
    ]
    urls += [m.get_absolute_url() for m in Member.objects.all()]
    urls += [p.get_absolute_url() for p in Proposal.objects.all()]
    urls += [f"/proposals/statistics/{s.pk}/" for s in Session.objects.all()]
    urls += [r.record.get_absolute_url() for r in Reply.objects.public().exclude(record=None).select_related("record")]
    for url in urls:
        response = reader_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in secrets:
            assert secret not in html, (url, secret)
