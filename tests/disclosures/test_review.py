"""三审: a 录入员 submits, each level approves or returns with a comment, the 终审 publishes
(scheduled publishing included). Each transition is checked in the services (stage permission,
agency, four eyes), audited, on the record's history and on its trail in the admin."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Action, AuditEntry
from core.roles import ENTRY_CLERK, REVIEW_GROUPS, REVIEWER, role_codenames
from disclosures import selectors, services
from disclosures.models import AgencyMembership, DisclosureRecord, ReviewStep
from tests.disclosures.factories import OrganizationFactory, RecordFactory
from tests.disclosures.test_admin import form_data
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
ADMIN = "/admin/disclosures/disclosurerecord/"


def staff(username, *groups, agency, full_name=""):
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True, first_name=full_name)
    user.groups.add(*Group.objects.filter(name__in=groups))
    AgencyMembership.objects.create(user=user, organization=agency)
    return user


@pytest.fixture
def agency():
    return OrganizationFactory(name="昆明市官渡区人民政府", org_code="015117762", review_levels=3)


@pytest.fixture
def people(agency):
    other = OrganizationFactory(name="昆明市官渡区民政局")
    return {
        "clerk": staff("clerk", ENTRY_CLERK, agency=agency, full_name="李录入"),
        "first": staff("first", REVIEW_GROUPS["first"], agency=agency, full_name="张初审"),
        "second": staff("second", REVIEW_GROUPS["second"], agency=agency),
        "final": staff("final", REVIEW_GROUPS["final"], agency=agency),
        # The same stage groups, in another agency.
        "other_first": staff("other-first", REVIEW_GROUPS["first"], agency=other),
        "other_final": staff("other-final", REVIEW_GROUPS["final"], agency=other),
    }


@pytest.fixture
def draft(agency, people):
    record = RecordFactory(title="关于开展社区协商工作的通知", publisher=agency)
    return record


def fresh(record):
    return DisclosureRecord.objects.get(pk=record.pk)


def test_the_groups_hold_one_stage_each_and_the_final_one_publishes():
    roles = role_codenames()
    stage_perms = {f"review_{stage}_disclosurerecord" for stage in ("first", "second", "final")}
    for stage, group in REVIEW_GROUPS.items():
        assert {codename for app, codename in roles[group] if codename in stage_perms} == {
            f"review_{stage}_disclosurerecord"
        }
        assert ("disclosures", "change_disclosurerecord") in roles[group]
    assert ("disclosures", "publish_disclosurerecord") in roles[REVIEW_GROUPS["final"]]
    assert ("disclosures", "publish_disclosurerecord") not in roles[REVIEW_GROUPS["first"]]
    assert not any(codename in stage_perms for _, codename in roles[ENTRY_CLERK] | roles[REVIEWER])


def test_three_levels_then_the_final_one_publishes(draft, people):
    record = services.record_submit(record=draft, user=people["clerk"], comment="请审核")
    assert (record.status, record.review_level, record.review_levels, record.review_stage) == (
        "pending",
        1,
        3,
        "first",
    )
    assert not fresh(draft).is_public

    result = services.record_approve(record=draft, user=people["first"], comment="同意")
    assert (result.record.review_stage, result.record.status) == ("second", "pending")
    result = services.record_approve(record=draft, user=people["second"])
    assert result.record.review_stage == "final"
    result = services.record_approve(record=draft, user=people["final"], comment="同意发布")

    record = fresh(draft)
    assert record.status == "published" and record.is_public and record.index_number.startswith("015117762-")
    trail = [(str(step), step.actor_name, step.comment) for step in record.review_steps.all()]
    assert trail == [
        ("提交审核", "李录入", "请审核"),
        ("初审通过", "张初审", "同意"),
        ("复审通过", "second", ""),
        ("终审通过", "final", "同意发布"),
    ]
    # Each step names the version it was decided on: a history row of this record.
    versions = set(record.history.values_list("history_id", flat=True))
    assert all(step.version in versions for step in record.review_steps.all())
    reasons = list(record.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons[1:] == ["提交审核", "初审通过", "复审通过", "终审通过，发布"]
    audited = list(
        AuditEntry.objects.filter(target_type="disclosures.disclosurerecord", target_id=str(record.pk))
        .order_by("pk")
        .values_list("action", "actor_name")
    )
    assert audited == [
        (Action.REVIEW_SUBMIT, "clerk"),
        (Action.REVIEW_APPROVE, "first"),
        (Action.REVIEW_APPROVE, "second"),
        (Action.REVIEW_APPROVE, "final"),
        (Action.PUBLISH, "final"),
    ]


def test_each_level_needs_its_own_stage_permission(draft, people):
    services.record_submit(record=draft, user=people["clerk"])
    for name in ("clerk", "second", "final"):
        with pytest.raises(PermissionDenied, match="初审"):
            services.record_approve(record=draft, user=people[name])
    services.record_approve(record=draft, user=people["first"])
    for name in ("clerk", "first", "final"):
        with pytest.raises(PermissionDenied, match="复审"):
            services.record_approve(record=draft, user=people[name])
        with pytest.raises(PermissionDenied):
            services.record_return(record=draft, user=people[name], comment="退回")
    assert fresh(draft).review_stage == "second"


def test_a_reviewer_of_another_agency_is_refused(draft, people):
    services.record_submit(record=draft, user=people["clerk"])
    with pytest.raises(PermissionDenied, match="不属于您所在的机构"):
        services.record_approve(record=draft, user=people["other_first"])
    with pytest.raises(PermissionDenied, match="不属于您所在的机构"):
        services.record_return(record=draft, user=people["other_first"], comment="退回")
    # …nor can a clerk of another agency submit its drafts.
    theirs = RecordFactory(publisher=OrganizationFactory(name="昆明市官渡区教育体育局"))
    with pytest.raises(PermissionDenied):
        services.record_submit(record=theirs, user=people["clerk"])
    assert fresh(draft).review_level == 1 and fresh(theirs).status == "draft"


def test_return_needs_a_comment_and_the_record_starts_over(draft, people):
    services.record_submit(record=draft, user=people["clerk"])
    services.record_approve(record=draft, user=people["first"])
    with pytest.raises(ValidationError, match="请填写审核意见"):
        services.record_return(record=draft, user=people["second"], comment="  ")
    assert fresh(draft).review_stage == "second"

    record = services.record_return(record=draft, user=people["second"], comment="文号有误，请核对")
    assert (record.status, record.review_level) == ("draft", 0)
    last = record.review_steps.last()
    assert (str(last), last.comment) == ("复审退回修改", "文号有误，请核对")
    with pytest.raises(ValidationError, match="不在审核中"):
        services.record_approve(record=draft, user=people["second"])

    # Resubmitted, it passes every level again.
    record = services.record_submit(record=draft, user=people["clerk"])
    assert record.review_stage == "first"
    with pytest.raises(PermissionDenied):
        services.record_approve(record=draft, user=people["second"])


def test_no_one_decides_their_own_submission_or_two_levels(draft, people, agency):
    everything = staff("all-stages", ENTRY_CLERK, *REVIEW_GROUPS.values(), agency=agency)
    services.record_submit(record=draft, user=everything)
    with pytest.raises(PermissionDenied, match="自己提交"):
        services.record_approve(record=draft, user=everything)
    services.record_approve(record=draft, user=people["first"])

    second_record = RecordFactory(title="另一条通知", publisher=agency)
    services.record_submit(record=second_record, user=people["clerk"])
    services.record_approve(record=second_record, user=everything)
    with pytest.raises(PermissionDenied, match="不同的人"):
        services.record_approve(record=second_record, user=everything)


def test_who_decided_a_level_of_this_round_no_longer_edits_it(client, draft, people, agency):
    """A tester holding all three stages approved the 初审, then edited the title while the
    record awaited the 终审: the 终审 published text that no other level had seen."""
    everything = staff("all-stages", *REVIEW_GROUPS.values(), agency=agency)
    services.record_submit(record=draft, user=people["clerk"])
    services.record_approve(record=draft, user=everything)
    services.record_approve(record=draft, user=people["second"])
    assert fresh(draft).review_stage == "final"
    assert not selectors.can_review_record(everything, fresh(draft))
    assert selectors.can_review_record(people["final"], fresh(draft))
    sign_in_staff(client, everything)
    url = f"{ADMIN}{draft.pk}/change/"
    page = client.get(url).content.decode()
    assert "保存并终审通过" not in page and 'name="edit_version"' not in page  # shown, not editable
    response = client.post(url, record_data(draft, title="终审前被初审人改动"))
    assert response.status_code == 403 and fresh(draft).title == "关于开展社区协商工作的通知"


@pytest.mark.parametrize(("levels", "stages"), [(1, ["final"]), (2, ["first", "final"])])
def test_the_number_of_levels_is_the_agencys(draft, people, agency, levels, stages):
    agency.review_levels = levels
    agency.save()
    services.record_submit(record=draft, user=people["clerk"])
    seen = []
    while fresh(draft).status == "pending":
        stage = fresh(draft).review_stage
        seen.append(stage)
        services.record_approve(record=draft, user=people[stage])
    assert seen == stages and fresh(draft).is_public


def test_the_site_setting_applies_when_the_agency_sets_none(draft, people, agency, settings):
    agency.review_levels = None
    agency.save()
    settings.DISCLOSURE_REVIEW_LEVELS = 2
    assert services.record_submit(record=draft, user=people["clerk"]).review_stage == "first"
    assert fresh(draft).review_levels == 2
    # Changing the setting later does not change a round already under way.
    settings.DISCLOSURE_REVIEW_LEVELS = 1
    services.record_approve(record=draft, user=people["first"])
    assert fresh(draft).review_stage == "final"


def test_an_approved_record_with_a_later_date_is_published_then(draft, people, client):
    start = dt.datetime(2026, 12, 31, 16, 5, tzinfo=dt.UTC)  # 00:05 on 1 January in Shanghai
    with time_machine.travel(start, tick=False) as clock:
        draft.published_at = start + dt.timedelta(days=2)
        draft.save()
        draft.publisher.review_levels = 1
        draft.publisher.save()
        services.record_submit(record=draft, user=people["clerk"])
        services.record_approve(record=draft, user=people["final"])
        record = fresh(draft)
        assert record.status == "published" and record.is_scheduled and not record.is_public
        # The newest row by id: the fixture's rows carry the real clock, which may be later.
        assert record.history.order_by("-history_id").first().history_change_reason == "终审通过，定时发布"
        url = record.get_absolute_url()
        assert client.get(url).status_code == 404
        assert record not in DisclosureRecord.objects.published()
        clock.move_to(start + dt.timedelta(days=2, minutes=1))
        assert client.get(url).status_code == 200


def test_a_record_under_review_is_published_only_by_its_final_review(draft, people):
    services.record_submit(record=draft, user=people["clerk"])
    with pytest.raises(ValidationError, match="审核中"):
        services.record_publish(record=draft, user=people["final"])
    for record in (draft, RecordFactory(publisher=draft.publisher)):
        with pytest.raises(ValidationError, match="提交审核"):
            services.record_republish(record=record, user=people["final"])
    assert fresh(draft).status == "pending"


def test_a_withdrawn_record_is_published_again_by_a_final_reviewer_only(draft, people):
    draft.publisher.review_levels = 1
    draft.publisher.save()
    services.record_submit(record=draft, user=people["clerk"])
    services.record_approve(record=draft, user=people["final"])
    number = fresh(draft).index_number
    services.record_withdraw(record=draft, user=people["final"], reason="核对")
    with pytest.raises(PermissionDenied):
        services.record_republish(record=draft, user=people["first"])
    with pytest.raises(PermissionDenied):
        services.record_republish(record=draft, user=people["other_final"])
    services.record_republish(record=draft, user=people["final"])
    record = fresh(draft)
    assert record.is_public and record.index_number == number


def test_a_draft_or_a_record_under_review_cannot_be_withdrawn_and_so_skip_review(draft, people, client):
    """撤回 then 重新发布 published a draft with no review at all (a tester's find)."""
    services.record_submit(record=draft, user=people["clerk"])
    pending, unsent = draft, RecordFactory(title="录入员的草稿", publisher=draft.publisher)
    for record in (pending, unsent):
        with pytest.raises(ValidationError, match="只有已发布"):
            services.record_withdraw(record=record, user=people["final"])
    final = sign_in_staff(client, people["final"])
    response = final.post(
        ADMIN, {"action": "withdraw_selected", "_selected_action": [pending.pk, unsent.pk]}, follow=True
    )
    assert "未撤回" in response.content.decode()
    assert (fresh(pending).status, fresh(unsent).status) == ("pending", "draft")
    final.post(ADMIN, {"action": "publish_selected", "_selected_action": [pending.pk, unsent.pk]})
    assert not DisclosureRecord.objects.published().exists()


# --- the same in the admin ------------------------------------------------------------------


def opened(client, url):
    html = client.get(url).content.decode()
    return html, re.search(r'name="edit_version" value="(\d*)"', html).group(1)


def record_data(record, **overrides):
    """The change form as the record's page shows it."""
    shown = {
        "title": record.title,
        "publisher": record.publisher_id,
        "topic": record.topic_id,
        "genre": record.genre_id,
        "body": record.body,
        "written_date": record.written_date.isoformat(),
        "document_number": record.document_number,
        "keywords": record.keywords,
    }
    return form_data(**{**shown, **overrides})


def test_the_admin_drives_the_review_with_buttons_under_the_form(client, people, agency):
    sign_in_staff(client, people["clerk"])
    page = client.get(f"{ADMIN}add/").content.decode()
    assert 'name="_review" value="submit"' in page and 'value="approve"' not in page
    # 保存 stays the form's default button (Enter in a field): it comes before the review buttons.
    assert page.index('name="_save"') < page.index('name="_review"')
    response = client.post(
        f"{ADMIN}add/", form_data(publisher=agency.pk, title="录入员写的通知", _review="submit", review_comment="请审")
    )
    record = DisclosureRecord.objects.get(title="录入员写的通知")
    assert response.status_code == 302 and record.status == "pending" and record.review_stage == "first"

    # Submitted, the record is read-only for its clerk (who still sees the trail).
    url = f"{ADMIN}{record.pk}/change/"
    page = client.get(url).content.decode()
    assert "提交审核" in page and "请审" in page and 'name="_review"' not in page
    assert client.post(url, record_data(record, title="改一下")).status_code == 403

    sign_in_staff(client, people["first"])
    page, version = opened(client, url)
    assert "保存并初审通过" in page and "保存并退回修改" in page
    # The reviewer corrects the title and approves in one step; both are kept.
    response = client.post(
        url, record_data(record, title="录入员写的通知（已校）", edit_version=version, _review="approve"), follow=True
    )
    record = fresh(record)
    assert (record.title, record.review_stage) == ("录入员写的通知（已校）", "second")
    assert "初审通过，转复审" in response.content.decode()

    sign_in_staff(client, people["second"])
    page, version = opened(client, url)
    response = client.post(url, record_data(record, edit_version=version, _review="return"), follow=True)
    assert "请填写审核意见" in response.content.decode() and fresh(record).review_stage == "second"
    page, version = opened(client, url)
    client.post(url, record_data(record, edit_version=version, _review="return", review_comment="请补充关键字"))
    record = fresh(record)
    assert record.status == "draft"
    page = client.get(url).content.decode()
    assert "复审退回修改" in page and "请补充关键字" in page

    # The clerk fixes and resubmits; every level approves again.
    sign_in_staff(client, people["clerk"])
    page, version = opened(client, url)
    client.post(url, record_data(record, keywords="社区、协商", edit_version=version, _review="submit"))
    for name in ("first", "second", "final"):
        sign_in_staff(client, people[name])
        page, version = opened(client, url)
        response = client.post(url, record_data(fresh(record), edit_version=version, _review="approve"), follow=True)
    record = fresh(record)
    assert record.is_public
    assert f"终审通过，已发布，索引号 {record.index_number}" in response.content.decode()
    assert client.get(record.get_absolute_url()).status_code == 200
    page = client.get(url).content.decode()
    assert page.count("<td>提交审核</td>") == 2 and "终审通过" in page


def test_a_submitter_holding_every_stage_waits_like_any_drafter(client, people, draft, agency):
    """Its drafters wait while a record is under review, whatever else they may decide: the
    submitter may neither approve nor edit it (the edit would reach the 终审 unreviewed)."""
    everything = staff("all-stages", ENTRY_CLERK, *REVIEW_GROUPS.values(), agency=agency)
    services.record_submit(record=draft, user=everything)
    url = f"{ADMIN}{draft.pk}/change/"
    sign_in_staff(client, everything)
    data = record_data(draft, title="我改的标题", _review="approve", review_comment="我的意见")
    assert client.post(url, data).status_code == 403
    record = fresh(draft)
    assert (record.title, record.review_stage) == ("关于开展社区协商工作的通知", "first")


def test_a_level_decided_meanwhile_is_no_longer_the_reviewers_to_change(client, people, draft):
    services.record_submit(record=draft, user=people["clerk"])
    url = f"{ADMIN}{draft.pk}/change/"
    sign_in_staff(client, people["first"])
    page, version = opened(client, url)
    # Another 初审 reviewer decides first: the record now awaits the 复审.
    services.record_approve(record=draft, user=staff("first-2", REVIEW_GROUPS["first"], agency=draft.publisher))
    data = record_data(
        draft, title="我改的标题", edit_version=version, _review="approve", review_comment="第三段的数字要核对"
    )
    response = client.post(url, data)
    assert fresh(draft).title != "我改的标题" and fresh(draft).review_stage == "second"
    # Not a bare 403 with the comment gone (a tester's find): who decided, and what was typed.
    assert response.status_code == 409
    html = response.content.decode()
    assert "保存失败：在您打开此页之后，first-2于" in html and "修改了：待审级别" in html
    assert "这条记录已不在您可以修改的环节，本次未保存" in html
    assert "我改的标题" in html and "第三段的数字要核对" in html


def test_the_out_of_date_check_reads_the_record_under_the_saves_lock(client, people, draft, monkeypatch):
    """The check read the record outside the save's transaction, so a stage change between the
    two still met a bare 403: every read of a POST is now in the transaction that locks it
    (LockedChangeAdminMixin takes the row lock only there)."""
    from django.db import connection

    from core.concurrency import LockedChangeAdminMixin

    reads = []
    get_object = LockedChangeAdminMixin.get_object

    def spied(self, request, object_id, from_field=None):
        reads.append(len(connection.atomic_blocks))  # the test's own transaction is one
        return get_object(self, request, object_id, from_field)

    monkeypatch.setattr(LockedChangeAdminMixin, "get_object", spied)
    url = f"{ADMIN}{draft.pk}/change/"
    sign_in_staff(client, people["clerk"])
    _, version = opened(client, url)
    reads.clear()
    response = client.post(url, record_data(draft, title="我改的标题", edit_version=version))
    assert response.status_code == 302 and fresh(draft).title == "我改的标题"
    outside = len(connection.atomic_blocks)
    assert len(reads) >= 2 and all(depth > outside for depth in reads), (outside, reads)


def test_a_drafters_second_tab_after_submitting_gets_what_it_typed_back(client, people, draft):
    """Submitted from one tab, saved from another still open on the draft: refused, with the
    body typed there shown (rendered, and as its source) to copy."""
    url = f"{ADMIN}{draft.pk}/change/"
    sign_in_staff(client, people["clerk"])
    _, version = opened(client, url)
    services.record_submit(record=draft, user=people["clerk"])
    body = "<p>新写的<strong>一段</strong>正文</p><script>alert(1)</script>"
    response = client.post(url, record_data(draft, body=body, edit_version=version))
    assert response.status_code == 409
    html = response.content.decode()
    assert "<p>新写的<strong>一段</strong>正文</p>" in html and "<script>alert(1)" not in html
    assert "&lt;p&gt;新写的&lt;strong&gt;一段&lt;/strong&gt;正文" in html  # the source, escaped
    assert "在您打开此页之后，李录入于" in html
    assert fresh(draft).body != body


def test_the_status_is_never_set_through_the_form(client, people, draft):
    sign_in_staff(client, people["final"])
    url = f"{ADMIN}{draft.pk}/change/"
    page, version = opened(client, url)
    client.post(url, record_data(draft, status="published", edit_version=version))
    assert fresh(draft).status == "draft"
    # Nor through the list: 发布所选 publishes withdrawn records again, never a draft.
    response = client.post(ADMIN, {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True)
    assert fresh(draft).status == "draft" and "须提交审核" in response.content.decode()


def test_the_late_publication_warning_reaches_the_final_reviewer(client, people, draft):
    draft.publisher.review_levels = 1
    draft.publisher.save()
    draft.written_date = dt.date(2023, 5, 4)
    draft.published_at = timezone.make_aware(dt.datetime(2023, 6, 16, 17, 19))
    draft.save()
    services.record_submit(record=draft, user=people["clerk"])
    sign_in_staff(client, people["final"])
    url = f"{ADMIN}{draft.pk}/change/"
    page, version = opened(client, url)
    data = record_data(fresh(draft), edit_version=version, _review="approve")
    data.update({"published_at_0": "2023-06-16", "published_at_1": "17:19", "written_date": "2023-05-04"})
    response = client.post(url, data, follow=True)
    assert "第二十六条" in response.content.decode() and fresh(draft).is_public


def test_review_steps_are_not_page_cache_content(settings):
    # Steps never show on public pages: saving one does not empty the page cache.
    assert "disclosures.reviewstep" in settings.PAGE_CACHE_IGNORED_MODELS
    assert ReviewStep._meta.app_label == "disclosures"


def test_a_record_the_staff_member_may_only_read_shows_no_form_inputs(client, people, draft):
    """Its drafter reads it while it is under review: the form's own inputs (the version it was
    opened at, a Word file to import) read “Edit version: None”, “Body docx: None” (a tester's
    find)."""
    services.record_submit(record=draft, user=people["clerk"])
    sign_in_staff(client, people["clerk"])
    response = client.get(f"{ADMIN}{draft.pk}/change/")
    assert response.status_code == 200 and not response.context["has_change_permission"]
    html = response.content.decode()
    assert "Edit version" not in html and "Body docx" not in html and 'name="edit_version"' not in html
    assert draft.title in html


def test_a_record_the_staff_member_may_only_read_shows_its_body_as_the_page_will(client, people, draft):
    """Its body read as markup, “<p>关于……</p>” (Django escapes a read-only text field); what
    the page shows is shown, cleaned again, so markup stored by other means runs no script."""
    services.record_submit(record=draft, user=people["clerk"])
    DisclosureRecord.objects.filter(pk=draft.pk).update(
        body='<h2>工作目标</h2><p>全面<strong>推进</strong></p><script>alert(1)</script><img src=x onerror="alert(2)">'
    )
    sign_in_staff(client, people["clerk"])
    response = client.get(f"{ADMIN}{draft.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200 and not response.context["has_change_permission"]
    assert '<div class="rich-text-shown"><h2>工作目标</h2><p>全面<strong>推进</strong></p>' in html
    assert "&lt;h2&gt;" not in html and "alert(1)" not in html and "onerror" not in html
    assert "<label>正文:</label>" in html  # labelled as the field is


def test_an_old_version_of_a_record_the_staff_member_may_only_read_is_shown(client, people, draft):
    """Its body shown as read made the history version's form fail (a reviewer's find)."""
    services.record_submit(record=draft, user=people["clerk"])
    sign_in_staff(client, people["clerk"])
    for version in fresh(draft).history.all():
        assert client.get(f"{ADMIN}{draft.pk}/history/{version.history_id}/").status_code == 200
