"""Staff workflow in the admin: 录入员 drafts, 审核员 publishes, history records both."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone

from core.roles import ENTRY_CLERK, REVIEW_GROUPS, REVIEWER
from disclosures import services
from disclosures.models import DisclosureRecord, Genre
from tests.disclosures.factories import OrganizationFactory, RecordFactory, TopicFactory
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


def district_wide(user):
    """Staff not limited to their agencies' records (tests/disclosures/test_agency_scoping.py
    covers staff who are)."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="disclosures", codename="manage_all_agencies")
    )
    return user


def staff(username, group):
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return district_wide(user)


def form_data(**overrides):
    org = OrganizationFactory(org_code="015117762")
    data = {
        "title": "关于开展社区协商工作的通知",
        "publisher": org.pk,
        "drafting_org": "",
        "document_number": "官办通[2020]26号",
        "written_date": "2026-11-20",
        "published_at_0": "",
        "published_at_1": "",
        "topic": TopicFactory().pk,
        "genre": Genre.objects.get_or_create(name="通知")[0].pk,
        "keywords": "社区、协商",
        "summary": "",
        "validity": "valid",
        "effective_date": "",
        "invalid_date": "",
        "superseded_by": "",
        "disclosure_mode": "proactive",
        "withheld_reason": "",
        "body": "<p>正文</p><script>alert(1)</script>",
        "status": "draft",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_clerk_creates_a_draft_and_reviewer_publishes_it_with_history(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    response = client.post("/admin/disclosures/disclosurerecord/add/", form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    record = DisclosureRecord.objects.get()
    assert record.status == "draft" and record.index_number is None
    assert record.document_number == "官办通〔2020〕26号"  # normalized from [2020]
    assert "<script" not in record.body

    # One review level here (tests/disclosures/test_review.py has three): the 终审 publishes.
    record.publisher.review_levels = 1
    record.publisher.save()
    services.record_submit(record=record, user=User.objects.get(username="clerk"))
    sign_in_staff(client, staff("reviewer", REVIEW_GROUPS["final"]))
    url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
    version = re.search(r'name="edit_version" value="(\d+)"', client.get(url).content.decode()).group(1)
    data = form_data(publisher=record.publisher_id, topic=record.topic_id, genre=record.genre_id)
    response = client.post(url, {**data, "edit_version": version, "_review": "approve"}, follow=True)
    record.refresh_from_db()
    assert record.status == "published" and record.index_number.startswith("015117762-")
    assert "已发布" in response.content.decode()

    history = list(record.history.order_by("history_date", "history_id"))
    assert [history[0].status, history[1].status, history[-1].status] == ["draft", "pending", "published"]
    assert history[0].history_user.username == "clerk"
    assert history[-1].history_user.username == "reviewer"
    delta = history[-1].diff_against(history[0])
    assert {"status", "index_number", "published_at"} <= set(delta.changed_fields)
    page = client.get(f"/admin/disclosures/disclosurerecord/{record.pk}/history/").content.decode()
    assert "clerk" in page and "reviewer" in page


def test_clerk_cannot_publish_or_edit_published_records(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    client.post("/admin/disclosures/disclosurerecord/add/", form_data(status="published"))
    record = DisclosureRecord.objects.get()
    assert record.status == "draft"  # the status field is read-only for clerks
    changelist = client.get("/admin/disclosures/disclosurerecord/").content.decode()
    assert "publish_selected" not in changelist
    client.post("/admin/disclosures/disclosurerecord/", {"action": "publish_selected", "_selected_action": [record.pk]})
    record.refresh_from_db()
    assert record.status == "draft"
    published = RecordFactory(status="published", published_at=timezone.now(), index_number="1-1")
    assert client.get(f"/admin/disclosures/disclosurerecord/{published.pk}/change/").status_code in (200, 403)
    response = client.post(f"/admin/disclosures/disclosurerecord/{published.pk}/change/", form_data(title="篡改"))
    published.refresh_from_db()
    assert published.title != "篡改" and response.status_code == 403


def test_bad_document_number_is_a_form_error_and_keeps_the_input(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    response = client.post(
        "/admin/disclosures/disclosurerecord/add/", form_data(document_number="官办通2020年26号", title="保留的标题")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "六角括号" in html and "保留的标题" in html
    assert not DisclosureRecord.objects.exists()


def test_late_publication_warns_the_reviewer(client):
    # Publishing a withdrawn record again warns too (the 终审's warning: tests/disclosures/test_review.py).
    sign_in_staff(client, staff("reviewer", REVIEW_GROUPS["final"]))
    record = RecordFactory(
        publisher=OrganizationFactory(org_code="015117762"),
        written_date=dt.date(2023, 5, 4),
        published_at=timezone.make_aware(dt.datetime(2023, 6, 16, 17, 19)),
        status=DisclosureRecord.Status.WITHDRAWN,
    )
    response = client.post(
        "/admin/disclosures/disclosurerecord/",
        {"action": "publish_selected", "_selected_action": [record.pk]},
        follow=True,
    )
    assert "第二十六条" in response.content.decode()
    record.refresh_from_db()
    assert record.is_public


def test_admin_search_finds_by_index_number_title_and_document_number(client, seed):
    admin = User.objects.create_superuser("root", password="pw-123456789")
    sign_in_staff(client, admin)
    for q in ["015117762-202306-707714", "102114号提案"]:
        assert (
            "关于政协官渡区十届二次会议第102114号提案答复的函"
            in client.get("/admin/disclosures/disclosurerecord/", {"q": q}).content.decode()
        )


def test_attachment_type_and_size_are_checked(settings):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disclosures.models import validate_attachment
    from tests.pdfs import PDF

    validate_attachment(SimpleUploadedFile("通知.pdf", PDF))
    with pytest.raises(ValidationError, match="不支持的附件类型"):
        validate_attachment(SimpleUploadedFile("run.exe", b"MZ"))
    settings.DISCLOSURE_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="附件过大"):
        validate_attachment(SimpleUploadedFile("大文件.pdf", b"x" * 11))


def test_the_change_form_publishes_nothing_without_review(client):
    # The status is read-only for everyone: a record is published by its 终审 (test_review.py).
    sign_in_staff(client, staff("reviewer", REVIEWER))
    client.post("/admin/disclosures/disclosurerecord/add/", form_data(status="published"), follow=True)
    record = DisclosureRecord.objects.get()
    assert record.status == "draft" and record.index_number is None
    response = client.post("/admin/disclosures/disclosurerecord/add/", form_data(_review="submit"), follow=True)
    assert "已保存并提交初审" in response.content.decode()
    assert DisclosureRecord.objects.filter(status="pending").count() == 1


def test_createsuperuser_works(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1234")
    call_command("createsuperuser", "--noinput", username="admin", email="admin@example.gov.cn", verbosity=0)
    assert User.objects.get(username="admin").is_superuser


def test_roles_cover_the_apps_that_register_their_models():
    clerk = Group.objects.get(name=ENTRY_CLERK).permissions.values_list("content_type__app_label", "codename")
    reviewer = Group.objects.get(name=REVIEWER).permissions.values_list("content_type__app_label", "codename")
    assert ("communities", "add_fact") in set(clerk) and ("communities", "change_metric") not in set(clerk)
    assert {("communities", "change_metric"), ("disclosures", "publish_disclosurerecord")} <= set(reviewer)


def test_roles_cover_proposals_too():
    reviewer = set(Group.objects.get(name=REVIEWER).permissions.values_list("content_type__app_label", "codename"))
    clerk = set(Group.objects.get(name=ENTRY_CLERK).permissions.values_list("content_type__app_label", "codename"))
    assert ("proposals", "add_reply") in clerk and ("proposals", "publish_reply") not in clerk
    assert ("proposals", "publish_reply") in reviewer


def test_a_control_character_typed_into_a_title_is_refused_beside_it_and_dropped_from_the_body(client):
    """Word's soft line break (U+000B) pasted into a title was saved, and once the record was
    published every RSS feed answered 500 (XML cannot carry it). The admin says where it is;
    in the rich text, where nobody can find it to delete it, the sanitizer drops it."""
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(title="关于开展社区\x0b协商工作的通知", body="<p>正文\x0b第二行\x01\x00</p>")
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 200 and not DisclosureRecord.objects.exists()
    errors = response.context["adminform"].form.errors
    assert errors["title"] == [
        "含有控制字符 U+000B（不可见，在“关于开展社区”之后），通常是复制粘贴带来的，请删除后重试。"
    ]
    assert set(errors) == {"title"}
    assert "关于开展社区\x0b协商工作的通知" in response.content.decode()  # what was typed is kept

    response = client.post("/admin/disclosures/disclosurerecord/add/", {**data, "title": "关于开展社区协商工作的通知"})
    assert response.status_code == 302
    assert DisclosureRecord.objects.get().body == "<p>正文第二行</p>"


def test_invisible_marks_typed_into_a_title_are_dropped_and_a_line_separator_joins_the_line(client):
    """A zero-width space inside 社区治理 (copied from a web page) hid the record from a search
    for 社区治理; a line separator copied from a PDF stayed in the title (a tester's find): it
    joins Chinese with nothing, other words with a space."""
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(
        title="\u200b 关于开展社区\u200b治理\u2028工作的通知\ufeff", document_number="官政发\u200d〔2026〕1号"
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = DisclosureRecord.objects.get()
    assert (record.title, record.document_number) == ("关于开展社区治理工作的通知", "官政发〔2026〕1号")
    # A direction control is still refused (it reorders how the title reads), not dropped.
    response = client.post("/admin/disclosures/disclosurerecord/add/", {**data, "title": "通知\u202e知通"})
    assert response.status_code == 200 and "U+202E" in str(response.context["adminform"].form.errors["title"])


def test_a_stored_invisible_mark_is_no_change_of_a_form_that_leaves_the_text_as_it_reads():
    """Stored by a public form or an import, a zero-width mark made an untouched field “changed”:
    an applicant's address asked for a correction's reason (a reviewer's find)."""
    from django import forms as django_forms

    from core.text import keep_visible_text

    line, text = django_forms.CharField(), django_forms.CharField(widget=django_forms.Textarea)
    keep_visible_text(line, one_line=True)
    keep_visible_text(text, one_line=False)
    assert not line.has_changed("昆明市\u200b官渡区", "昆明市官渡区")
    assert line.has_changed("昆明市\u200b官渡区", "昆明市盘龙区")
    assert line.clean("Annual\u2028Report 关于\u2028通知") == "Annual Report 关于通知"
    assert text.clean("第一行\u2028第二行") == "第一行\n第二行"
