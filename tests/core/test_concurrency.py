"""Two staff open the same record; A saves a title, B then saves a summary from the page opened
before A's save. B's save is refused naming A and what A changed, B's input stays in the form,
and A's title survives."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client

from core.concurrency import VersionedAdminMixin
from core.roles import ENTRY_CLERK
from disclosures.models import DisclosureRecord
from tests.disclosures.test_admin import district_wide, form_data
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
CONTENT_APPS = {"disclosures", "proposals", "communities", "portal"}


def signed_in(username, full_name=""):
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True, first_name=full_name)
    user.groups.add(Group.objects.get(name=ENTRY_CLERK))
    district_wide(user)
    client = Client()
    sign_in_staff(client, user)
    return client


def opened_version(client, url):
    html = client.get(url).content.decode()
    return re.search(r'<input type="hidden" name="edit_version" value="(\d*)"', html).group(1)


def test_a_save_from_a_stale_page_is_refused_and_keeps_the_input():
    a, b = signed_in("clerk_a", "王芳"), signed_in("clerk_b")
    assert (
        a.post("/admin/disclosures/disclosurerecord/add/", form_data(title="旧标题", body="<p>正文</p>")).status_code
        == 302
    )
    record = DisclosureRecord.objects.get()
    url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
    data = form_data(title="旧标题", body="<p>正文</p>")
    data["publisher"], data["topic"], data["genre"] = record.publisher_id, record.topic_id, record.genre_id
    seen_by_a, seen_by_b = opened_version(a, url), opened_version(b, url)
    assert seen_by_a == seen_by_b != ""

    assert a.post(url, {**data, "title": "新标题", "edit_version": seen_by_a}).status_code == 302
    response = b.post(url, {**data, "summary": "B写的概述", "edit_version": seen_by_b})
    assert response.status_code == 200
    html = response.content.decode()
    assert "保存失败" in html and "王芳" in html and "名称（现为“新标题”）" in html
    assert "B写的概述" in html  # B's input is still in the form
    record.refresh_from_db()
    assert (record.title, record.summary) == ("新标题", "")

    # The re-shown form carries the current version: B checks, then saves on purpose.
    current = re.search(r'name="edit_version" value="(\d+)"', html).group(1)
    assert current != seen_by_b
    assert b.post(url, {**data, "title": "新标题", "summary": "B写的概述", "edit_version": current}).status_code == 302
    record.refresh_from_db()
    assert (record.title, record.summary) == ("新标题", "B写的概述")


def test_saving_the_refused_form_again_keeps_the_other_persons_change():
    """The re-shown form held B's stale copy of the title B never touched: saving it again
    reverted A's title with no second warning (a tester's find)."""
    a, b = signed_in("clerk_a", "王芳"), signed_in("clerk_b")
    data = form_data(title="旧标题", body="<p>正文</p>", written_date="2024-01-02")
    assert a.post("/admin/disclosures/disclosurerecord/add/", data).status_code == 302
    record = DisclosureRecord.objects.get()
    url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
    data["publisher"], data["topic"], data["genre"] = record.publisher_id, record.topic_id, record.genre_id
    seen_by_a, seen_by_b = opened_version(a, url), opened_version(b, url)
    changed_by_a = {"title": "新标题", "written_date": "2024-03-04", "edit_version": seen_by_a}
    assert a.post(url, {**data, **changed_by_a}).status_code == 302

    refused = b.post(url, {**data, "summary": "B写的概述", "edit_version": seen_by_b})
    assert refused.status_code == 200 and "保存失败" in refused.content.decode()
    reshown = refused.context["adminform"].form
    assert reshown["title"].value() == "新标题" and reshown["summary"].value() == "B写的概述"
    assert b.post(url, reshown.data).status_code == 302  # B saves the form as shown
    record.refresh_from_db()
    assert (record.title, str(record.written_date), record.summary) == ("新标题", "2024-03-04", "B写的概述")


def test_every_content_admin_checks_versions():
    admins = [
        model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label in CONTENT_APPS
    ]
    assert len(admins) >= 15
    missing = [type(model_admin).__name__ for model_admin in admins if not isinstance(model_admin, VersionedAdminMixin)]
    assert missing == []


def test_every_change_form_carries_its_version(client):
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
    sign_in_staff(client, User.objects.create_superuser("root", password="pw-123456789"))
    for model in admin.site._registry:
        if model._meta.app_label not in CONTENT_APPS:
            continue
        obj = model.objects.order_by("pk").first()
        if obj is None:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/"
        html = client.get(url).content.decode()
        assert 'name="edit_version"' in html, url


# --- what changed meanwhile, as a diff: records, proposal replies and guide/policy pages ----

DELETED, INSERTED = "（删除：</span>", "（新增：</span>"


def test_the_refusal_shows_what_changed_meanwhile_as_a_diff():
    a, b = signed_in("clerk_a", "王芳"), signed_in("clerk_b")
    body = "<p>第一段不变。</p><p>第二段：报名时间为三月。</p><p>第三段不变。</p>"
    a.post("/admin/disclosures/disclosurerecord/add/", form_data(title="关于报名的通知", body=body))
    record = DisclosureRecord.objects.get()
    url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
    data = form_data(title="关于报名的通知", body=body)
    data["publisher"], data["topic"], data["genre"] = record.publisher_id, record.topic_id, record.genre_id
    seen_by_a, seen_by_b = opened_version(a, url), opened_version(b, url)

    changed_body = body.replace("三月", "四月")
    a.post(url, {**data, "title": "关于报名时间的通知", "body": changed_body, "edit_version": seen_by_a})
    response = b.post(
        url, {**data, "summary": "B的概述", "body": body + "<p>B加的一段。</p>", "edit_version": seen_by_b}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "保存失败" in html and 'class="edit-conflict"' in html
    # The title: two characters added; the body: the changed paragraph, with one line of context.
    conflict = html.split('class="edit-conflict"')[1]
    assert f"{INSERTED}时间" in conflict
    assert "第二段：报名时间为<del>" in conflict and f"{DELETED}三" in conflict and f"{INSERTED}四" in conflict
    assert "第一段不变。" in conflict and "名称" in conflict and "正文" in conflict
    # Nothing either typed is lost: A's save is stored, B's typing is still in the form.
    record.refresh_from_db()
    assert record.title == "关于报名时间的通知" and "四月" in record.body and record.summary == ""
    assert "B的概述" in html and "B加的一段" in html


def test_a_change_to_the_attachments_alone_is_named(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disclosures.models import Attachment

    a, b = signed_in("clerk_a", "王芳"), signed_in("clerk_b")
    a.post("/admin/disclosures/disclosurerecord/add/", form_data(title="关于报名的通知", body="<p>正文</p>"))
    record = DisclosureRecord.objects.get()
    attachment = Attachment.objects.create(
        record=record, title="报名表", file=SimpleUploadedFile("报名表.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
    data = form_data(title="关于报名的通知", body="<p>正文</p>")
    data["publisher"], data["topic"], data["genre"] = record.publisher_id, record.topic_id, record.genre_id
    seen_by_b = opened_version(b, url)
    attachment.delete()  # A removes the form, and saves the record
    record.save()
    html = b.post(url, {**data, "summary": "B的概述", "edit_version": seen_by_b}).content.decode()
    assert "保存失败" in html and "附件“报名表”（删除）" in html and "修改了这条记录" not in html


def test_a_changed_proposal_reply_is_refused_with_its_diff(client):
    from proposals.models import Reply
    from tests.proposals.factories import ReplyFactory, vocabularies
    from tests.proposals.test_admin import _reply_form

    vocabularies()
    reply = ReplyFactory(letter="<p>尊敬的委员：</p><p>我局将于年内完成改造。</p>")
    root = User.objects.create_superuser("root", password="pw-123456789")
    sign_in_staff(client, root)
    url = f"/admin/proposals/reply/{reply.pk}/change/"
    stale = _reply_form(reply, contact_person="王经办")  # as B opened it
    assert (
        client.post(url, _reply_form(reply, letter="<p>尊敬的委员：</p><p>我局将于明年完成改造。</p>")).status_code
        == 302
    )
    response = client.post(url, stale)
    html = response.content.decode()
    assert response.status_code == 200 and "保存失败" in html and "答复" in html
    conflict = html.split('class="edit-conflict"')[1]
    assert "答复全文" in conflict
    assert "我局将于" in conflict and DELETED in conflict and f"{INSERTED}明" in conflict
    assert "王经办" in html  # B's typing
    assert Reply.objects.get(pk=reply.pk).contact_person == "李经办"


def test_a_changed_guide_page_is_refused_with_its_diff(client):
    from disclosures.models import Page

    page = Page.objects.create(slug="guide-test", title="政府信息公开指南", body="<p>办公时间：周一至周五。</p>")
    sign_in_staff(client, User.objects.create_superuser("root", password="pw-123456789"))
    url = f"/admin/disclosures/page/{page.pk}/change/"
    version = opened_version(client, url)
    data = {"slug": "guide-test", "title": "政府信息公开指南", "office": "", "edit_version": version}
    assert client.post(url, {**data, "body": "<p>办公时间：周一至周六。</p>"}).status_code == 302
    response = client.post(url, {**data, "title": "政府信息公开指南（2026）", "body": page.body})
    html = response.content.decode()
    assert response.status_code == 200 and "保存失败" in html
    assert "周一至周<del>" in html and f"{DELETED}五" in html and f"{INSERTED}六" in html
    assert "政府信息公开指南（2026）" in html
    page.refresh_from_db()
    assert page.body == "<p>办公时间：周一至周六。</p>" and page.title == "政府信息公开指南"


def test_an_untouched_body_sent_with_the_browsers_line_breaks_is_still_untouched():
    """Browsers send CRLF; the stored body has LF. B's untouched body read as "changed", so B's
    second save wrote the old body over A's (a reviewer's find)."""
    a, b = signed_in("clerk_a", "王芳"), signed_in("clerk_b")
    body = "<p>第一段。</p>\n<p>第二段。</p>"
    data = form_data(title="标题", body=body)
    a.post("/admin/disclosures/disclosurerecord/add/", data)
    record = DisclosureRecord.objects.get()
    assert "\n" in record.body
    url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
    data["publisher"], data["topic"], data["genre"] = record.publisher_id, record.topic_id, record.genre_id
    seen_by_a, seen_by_b = opened_version(a, url), opened_version(b, url)
    assert a.post(url, {**data, "body": "<p>A 改过的正文。</p>", "edit_version": seen_by_a}).status_code == 302

    from_browser = {**data, "body": body.replace("\n", "\r\n"), "summary": "B写的概述", "edit_version": seen_by_b}
    refused = b.post(url, from_browser)
    assert refused.status_code == 200
    assert b.post(url, refused.context["adminform"].form.data).status_code == 302
    record.refresh_from_db()
    assert (record.body, record.summary) == ("<p>A 改过的正文。</p>", "B写的概述")


def test_a_co_proposer_added_meanwhile_is_handed_back_not_dropped(client):
    """Many-to-many fields in an edit conflict: A adds a 联名 co-proposer while B's page is open;
    B's stale save is refused, names the change, and the form shown again holds A's list, so
    saving it again keeps A's addition instead of removing it."""
    from proposals.models import Proposal
    from tests.proposals.factories import MemberFactory, ProposalFactory, vocabularies
    from tests.proposals.test_admin import _proposal_form

    vocabularies()
    proposal = ProposalFactory()
    partner = MemberFactory(assembly=proposal.session.assembly, name="联名委员甲")
    root = User.objects.create_superuser("root", password="pw-123456789")
    sign_in_staff(client, root)
    url = f"/admin/proposals/proposal/{proposal.pk}/change/"
    data = _proposal_form(proposal)  # as B opened it
    a = {**data, "co_proposers": [partner.pk]}
    assert client.post(url, a).status_code == 302  # A adds the co-proposer
    assert list(Proposal.objects.get(pk=proposal.pk).co_proposers.all()) == [partner]
    response = client.post(url, {**data, "title": "B改的标题"})  # B, from the stale page
    html = response.content.decode()
    assert response.status_code == 200 and "保存失败" in html and "联名/附议人（现为“联名委员甲" in html
    form = response.context["adminform"].form
    assert form.data.getlist("co_proposers") == [str(partner.pk)]  # handed back, not emptied
    again = {key: form.data.getlist(key) if key == "co_proposers" else value for key, value in form.data.items()}
    assert client.post(url, again).status_code == 302
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.title == "B改的标题" and list(proposal.co_proposers.all()) == [partner]


def test_a_refused_save_never_shows_what_the_page_withholds(client):
    """The 409 page of a save from an out-of-date page (VersionedAdminMixin._moved_on) lists the
    changes since: a member's contacts, shown masked to this staff member, are named only (a
    reviewer found the old and new phone in it)."""
    from django.contrib.auth.models import Permission

    from tests.proposals.factories import MemberFactory

    member = MemberFactory(name="赵委员", phone="13912345678", email="zhao@example.com", address="某路1号")
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_member"))
    sign_in_staff(client, viewer)
    url = f"/admin/proposals/member/{member.pk}/change/"
    assert "13912345678" not in client.get(url).content.decode()  # masked for this viewer
    opened = member.history.order_by("-history_id").first().history_id
    member.phone, member.name = "13700001111", "赵委员（改）"
    member.save()
    response = client.post(url, {"name": "赵委员", "phone": "13912345678", "edit_version": str(opened)})
    assert response.status_code == 409
    html = response.content.decode()
    assert "13912345678" not in html and "13700001111" not in html
    assert "（已修改，不显示）" in html
    assert "赵委员（改）" in html  # what is not withheld is shown


def test_the_refusal_dates_the_change_as_notices_do_and_names_rich_text_by_its_words():
    """It read “王芳于2026-12-06 14:11修改了：正文（现为“<p>汇总年报正文……”）” (a tester's find)."""
    import time_machine

    from tests.inforequests.test_clock_time import beijing

    a, b = signed_in("clerk_a", "王芳"), signed_in("clerk_b")
    with time_machine.travel(beijing(2026, 3, 5, 9, 7), tick=False):
        data = form_data(title="旧标题", body="<p>正文</p>")
        assert a.post("/admin/disclosures/disclosurerecord/add/", data).status_code == 302
        record = DisclosureRecord.objects.get()
        url = f"/admin/disclosures/disclosurerecord/{record.pk}/change/"
        data["publisher"], data["topic"], data["genre"] = record.publisher_id, record.topic_id, record.genre_id
        seen_by_a, seen_by_b = opened_version(a, url), opened_version(b, url)
        assert (
            a.post(url, {**data, "body": "<p>新的<strong>正文</strong></p>", "edit_version": seen_by_a}).status_code
            == 302
        )
        html = b.post(url, {**data, "summary": "B写的概述", "edit_version": seen_by_b}).content.decode()
    assert "王芳于2026年3月5日 09:07修改了：正文（现为“新的正文”）" in html
