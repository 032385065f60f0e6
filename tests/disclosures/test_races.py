"""Staff acting on the same record at the same moment, on PostgreSQL with two real
connections: an edit saved in the admin while a reviewer decides, or while the buffered 浏览次数
are written, and two reviewers deciding the same level at once. A change form's save writes the
record as it read it; what was decided or counted meanwhile must not be written over, nor
decided twice."""

import pytest
from django.db import connection
from django.test import Client

from core.roles import ENTRY_CLERK, REVIEW_GROUPS
from disclosures import services
from disclosures.admin import DisclosureRecordAdmin
from disclosures.models import DisclosureRecord, ReviewStep
from tests.disclosures.factories import OrganizationFactory, RecordFactory
from tests.disclosures.test_review import ADMIN, fresh, opened, record_data, staff
from tests.races import Meanwhile, before
from tests.staff import sign_in_staff

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pending():
    agency = OrganizationFactory(name="昆明市官渡区人民政府", org_code="015117762", review_levels=3)
    record = RecordFactory(title="关于开展社区协商工作的通知", publisher=agency)
    return services.record_submit(record=record, user=staff("clerk", ENTRY_CLERK, agency=agency))


def reviewer_page(username, record, *stages):
    """A reviewer of the record's agency holding `stages`, with the change page open."""
    user = staff(username, *(REVIEW_GROUPS[stage] for stage in stages), agency=record.publisher)
    client = sign_in_staff(Client(), user)
    url = f"{ADMIN}{record.pk}/change/"
    _, version = opened(client, url)
    return user, client, url, version


def test_an_edit_saved_while_another_reviewer_approves_does_not_undo_the_approval(pending, monkeypatch):
    _, client, url, version = reviewer_page("first", pending, "first")
    other = staff("first-2", REVIEW_GROUPS["first"], agency=pending.publisher)
    # The other 初审 reviewer approves once our save has read the record, before it writes.
    approval = Meanwhile(lambda: services.record_approve(record=fresh(pending), user=other))
    before(monkeypatch, DisclosureRecordAdmin, "save_model", approval)

    client.post(url, record_data(pending, title="关于开展社区协商工作的通知（已校）", edit_version=version))
    approval.done()

    record = fresh(pending)
    # The correction is kept, and the approval stands: the record awaits its 复审.
    assert record.title == "关于开展社区协商工作的通知（已校）"
    assert (record.status, record.review_stage) == (DisclosureRecord.Status.PENDING, "second")


def test_two_reviewers_approving_the_same_level_at_once_decide_it_once(pending, monkeypatch):
    # Both may decide the 初审 and the 复审 (a small agency's reviewers often hold both).
    _, ours, url, our_version = reviewer_page("first", pending, "first", "second")
    _, theirs, _, their_version = reviewer_page("first-2", pending, "first", "second")
    # They press 初审通过 on the same page as we do; their request runs while ours decides.
    data = record_data(pending, edit_version=their_version, _review="approve")
    theirs_pressed = Meanwhile(lambda: theirs.post(url, data))
    before(monkeypatch, DisclosureRecordAdmin, "_review", theirs_pressed)

    ours.post(url, record_data(pending, edit_version=our_version, _review="approve"))
    theirs_pressed.done()

    # The 初审 was decided once, by one of them; nobody approved a 复审 they did not see.
    assert fresh(pending).review_stage == "second"
    approvals = ReviewStep.objects.filter(record=pending, action=ReviewStep.Action.APPROVE)
    assert list(approvals.values_list("level", flat=True)) == [1]


def test_views_counted_while_an_edit_is_saved_are_kept(pending, monkeypatch):
    _, client, url, version = reviewer_page("first", pending, "first")
    DisclosureRecord.objects.filter(pk=pending.pk).update(view_count=100)
    # The buffered views are written once our save has read the record, before it writes.
    flush = Meanwhile(lambda: services._view_counts_apply({pending.pk: 5}))
    before(monkeypatch, DisclosureRecordAdmin, "save_model", flush)

    client.post(url, record_data(pending, title="关于开展社区协商工作的通知（已校）", edit_version=version))
    flush.done()

    assert fresh(pending).view_count == 105


def test_deciding_on_one_record_does_not_hold_back_another_of_the_same_agency():
    """The lock on a record is its row's alone: its agency's row locked with it made every
    review decision and publication of that agency wait for the one before."""
    from django.db import transaction

    agency = OrganizationFactory(name="昆明市官渡区人民政府", org_code="015117762")
    one, two = RecordFactory(publisher=agency), RecordFactory(publisher=agency)

    def lock_the_other():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            return services.record_locked(two.pk).pk

    with transaction.atomic():
        services.record_locked(one.pk)
        meanwhile = Meanwhile(lock_the_other)
        meanwhile.act(held=5)
        assert not meanwhile.held
    assert meanwhile.done() == two.pk


def test_two_staff_adding_the_same_name_at_once_the_second_is_told_beside_the_field(monkeypatch):
    """The second INSERT met the first's row: an IntegrityError, a 500, and what was typed gone.
    The form is run once more and its uniqueness check says what is wrong, everything kept."""
    from django.contrib.auth import get_user_model

    from disclosures.admin import GenreAdmin
    from disclosures.models import Genre

    client = sign_in_staff(Client(), get_user_model().objects.create_superuser("admin-1", "", "Guandu-2026-docs"))
    meanwhile = Meanwhile(lambda: Genre.objects.create(name="会议纪要", position=7).pk)
    before(monkeypatch, GenreAdmin, "save_model", meanwhile)
    response = client.post("/admin/disclosures/genre/add/", {"name": "会议纪要", "position": "8"})
    meanwhile.done()
    assert response.status_code == 200
    page = response.content.decode()
    assert "具有 名称 的 体裁分类 已存在。" in page
    assert 'value="8"' in page  # what was typed is shown again
    assert Genre.objects.filter(name="会议纪要").count() == 1
