"""The audit log: what is recorded (never a password or a personal data value), and that no one
can change it from the admin; the 审计员 role reads it and nothing else."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from audit.models import Action, AuditEntry
from audit.roles import AUDITOR
from audit.services import audit_log
from disclosures import services as disclosure_services
from disclosures.models import DisclosureRecord
from tests.disclosures.factories import RecordFactory
from tests.proposals.factories import MemberFactory
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
User = get_user_model()


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def every_value():
    return " ".join(str(value) for row in AuditEntry.objects.values_list() for value in row)


@pytest.fixture
def chief(client):
    return User.objects.create_superuser("chief-zhou", "", "Guandu-2026-docs")


def test_sign_ins_and_failures_are_logged_without_the_password(client):
    User.objects.create_user("member-sun", password="Guandu-2026-docs")
    client.post(
        "/accounts/login/", {"username": "member-sun", "password": "Wrong-Secret-4711"}, REMOTE_ADDR="203.0.113.9"
    )
    client.post("/accounts/login/", {"username": "member-sun", "password": "Guandu-2026-docs"})
    client.post("/accounts/logout/")
    (failed,) = entries(Action.LOGIN_FAILED)
    assert (failed.actor_name, failed.succeeded, failed.ip_address) == ("member-sun", False, "203.0.113.9")
    assert [e.actor_name for e in entries(Action.LOGIN)] == ["member-sun"]
    assert [e.actor_name for e in entries(Action.LOGOUT)] == ["member-sun"]
    assert "Wrong-Secret" not in every_value() and "Guandu-2026" not in every_value()


def test_group_permission_and_privilege_changes_are_logged_with_who_made_them(client, chief):
    sign_in_staff(client, chief)
    group = Group.objects.create(name="测试组")
    permission = Permission.objects.get(codename="view_disclosurerecord")
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "测试组", "permissions": [permission.pk]})
    assert response.status_code == 302
    (added,) = [e for e in entries(Action.PERMISSION_CHANGE) if e.target_repr == "测试组"]
    assert (added.actor_name, added.detail) == ("chief-zhou", f"增加权限：{permission}")

    clerk = User.objects.create_user("clerk-he", password="Guandu-2026-docs")
    clerk.groups.add(group)
    clerk.is_staff = True
    clerk.save()
    clerk.groups.clear()
    details = [e.detail for e in entries(Action.PERMISSION_CHANGE) if e.target_repr == "clerk-he"]
    assert details == ["新建账号", "增加组：测试组", "工作人员：是", "清空组：测试组"]


def test_account_creation_and_agency_memberships_are_logged_with_the_address(client, chief):
    """Which agencies a staff member belongs to decides whose drafts and applicants they
    reach; services that publish log the reader's address without being handed the request."""
    from disclosures.models import AgencyMembership
    from tests.disclosures.factories import OrganizationFactory

    sign_in_staff(client, chief)
    clerk = User.objects.create_user("clerk-wu", password="Guandu-2026-docs", is_staff=True)
    agency = OrganizationFactory(name="官渡区审计测试局")
    response = client.post(
        "/admin/disclosures/agencymembership/add/",
        {"user": clerk.pk, "organization": agency.pk},
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    AgencyMembership.objects.get(user=clerk).delete()
    details = [e.detail for e in entries(Action.PERMISSION_CHANGE) if e.target_repr == "clerk-wu"]
    assert details == ["新建账号；工作人员：是", "增加所属机构：官渡区审计测试局", "移除所属机构：官渡区审计测试局"]
    added = [e for e in entries(Action.PERMISSION_CHANGE) if e.detail.startswith("增加所属机构")][0]
    assert (added.actor_name, added.ip_address) == ("chief-zhou", "198.51.100.4")


def test_a_service_not_handed_the_request_still_logs_the_readers_address(chief, rf):
    from simple_history.models import HistoricalRecords

    record = RecordFactory(title="关于审计地址的通知")
    HistoricalRecords.context.request = rf.post("/admin/", REMOTE_ADDR="198.51.100.4")
    try:
        disclosure_services.record_publish(record=record, user=chief)  # the admin's review action
    finally:
        del HistoricalRecords.context.request
    (published,) = entries(Action.PUBLISH)
    assert published.ip_address == "198.51.100.4"


def test_publish_withdraw_delete_and_restore_are_logged(client, chief):
    record = RecordFactory(title="关于审计测试的通知")
    disclosure_services.record_publish(record=record, user=chief)
    disclosure_services.record_withdraw(record=record, user=chief, reason="内容有误")
    sign_in_staff(client, chief)
    assert client.post(f"/admin/disclosures/disclosurerecord/{record.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not DisclosureRecord.objects.filter(pk=record.pk).exists()
    # Restore from its history (the admin's revert saves the old version the same way).
    old = record.history.filter(history_type="~").latest("history_date").instance
    old._history_user = chief
    old.save()
    logged = [
        (e.action, e.actor_name, e.target_id)
        for e in AuditEntry.objects.filter(target_type="disclosures.disclosurerecord").order_by("pk")
    ]
    assert logged == [
        (action, "chief-zhou", str(record.pk))
        for action in (Action.PUBLISH, Action.WITHDRAW, Action.DELETE, Action.RESTORE)
    ]
    assert entries(Action.WITHDRAW)[0].detail == "内容有误"


def test_exports_are_logged(client):
    assert client.get("/search/export/records.csv").status_code == 200
    assert client.get("/communities/data.csv").status_code == 200
    assert [e.detail for e in entries(Action.EXPORT)] == ["政府信息公开目录.csv", "社区治理数据.csv"]


def test_opening_a_members_contacts_is_logged_without_the_values(client, chief):
    member = MemberFactory(name="赵委员", phone="13912345678", email="zhao@example.com", address="官渡区某路1号")
    sign_in_staff(client, chief)
    page = client.get(f"/admin/proposals/member/{member.pk}/change/").content.decode()
    assert "13912345678" in page  # staff see it …
    (entry,) = entries(Action.PERSONAL_DATA_VIEW)
    assert (entry.actor_name, entry.target_type, entry.target_id) == ("chief-zhou", "proposals.member", str(member.pk))
    history_id = member.history.get().history_id
    assert client.get(f"/admin/proposals/member/{member.pk}/history/{history_id}/").status_code == 200
    assert len(entries(Action.PERSONAL_DATA_VIEW)) == 2
    values = every_value()  # … the log only says that they did
    assert "13912345678" not in values and "zhao@example.com" not in values and "某路" not in values


def test_the_log_cannot_be_changed_from_the_admin_or_the_model(client, chief):
    entry = audit_log(chief, Action.EXPORT, detail="测试")
    sign_in_staff(client, chief)
    base = "/admin/audit/auditentry/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{entry.pk}/change/").status_code == 200  # a read-only view
    assert 'name="_save"' not in client.get(f"{base}{entry.pk}/change/").content.decode()
    assert client.post(f"{base}{entry.pk}/change/", {"detail": "改过"}).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    entry.refresh_from_db()
    assert entry.detail == "测试"
    entry.detail = "改过"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="改过")


def test_the_auditor_role_reads_the_log_and_nothing_else(client):
    auditor = User.objects.create_user("auditor-lin", password="Guandu-2026-docs", is_staff=True)
    auditor.groups.add(Group.objects.get(name=AUDITOR))
    assert [p.codename for p in Group.objects.get(name=AUDITOR).permissions.all()] == ["view_auditentry"]
    sign_in_staff(client, auditor)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    for page in ["/admin/disclosures/disclosurerecord/", "/admin/auth/user/", "/admin/proposals/member/"]:
        assert client.get(page).status_code == 403, page
    index = client.get("/admin/").content.decode()
    assert "审计日志" in index and "政府信息公开" not in index.split('id="content-main"')[1]


def test_prune_deletes_only_entries_past_the_retention_and_never_under_180_days(settings):
    import time_machine

    settings.AUDIT_LOG_RETENTION_DAYS = 180
    now = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)
    for days in (181, 179, 1):
        with time_machine.travel(now - dt.timedelta(days=days), tick=False):
            audit_log(None, Action.EXPORT, detail=f"{days}天前")
    with pytest.raises(Exception, match="至少保存 180 天"):
        call_command("prune_audit_log", "--days", "90")
    exports = AuditEntry.objects.filter(action=Action.EXPORT)
    assert exports.count() == 3
    with time_machine.travel(now, tick=False):
        call_command("prune_audit_log")
    assert sorted(exports.values_list("detail", flat=True)) == ["179天前", "1天前"]


def test_a_retention_under_180_days_fails_the_system_checks(settings):
    from audit.apps import check_retention

    settings.AUDIT_LOG_RETENTION_DAYS = 90
    assert [error.id for error in check_retention(None)] == ["audit.E001"]
    settings.AUDIT_LOG_RETENTION_DAYS = 365
    assert check_retention(None) == []


def test_a_malformed_client_address_is_stored_as_none(rf):
    # PostgreSQL's inet would refuse it, and with it the sign-in being logged.
    entry = audit_log(None, Action.EXPORT, request=rf.get("/search/export/records.csv", REMOTE_ADDR="unknown"))
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.ip_address is None


def test_an_administrator_resetting_someones_authenticator_is_logged(client, chief):
    from tests.staff import authenticator

    clerk = User.objects.create_user("clerk-ma", password="Guandu-2026-docs", is_staff=True)
    device = authenticator(clerk)
    sign_in_staff(client, chief)
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    (entry,) = entries(Action.OTP_REMOVED)
    assert (entry.actor_name, entry.target_repr) == ("chief-zhou", "clerk-ma")
