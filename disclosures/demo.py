"""Demo accounts for the catalogue's staff roles, and two demo records (演示数据) waiting for them:
a draft for the 录入员 to submit and one the 初审 has passed, waiting for the 复审. The staff
belong to the district government of the seed, whose records the public site shows; records
are made through the services, so their trail and history are what real ones get. Loaded by
`manage.py load_demo_data` after `load_seed` (make run), never under production settings."""

from django.db import transaction
from django.utils import timezone

from core.roles import ENTRY_CLERK, REVIEW_GROUPS
from security.demo import demo_account_ensure

from . import services
from .models import AgencyMembership, DisclosureRecord, Genre, Organization, Topic

AGENCY_CODE = "015117762"  # 昆明市官渡区人民政府, from fixtures/010_disclosures.json
LABEL = "（演示数据）"
# username, name, role, groups, password (published in the README: demo only)
STAFF = [
    ("demo-clerk", "演示录入员", "录入员", [ENTRY_CLERK], "Luru-Demo-2026"),
    ("demo-first", "演示初审员", "审核员（初审）", [REVIEW_GROUPS["first"]], "Chushen-Demo-2026"),
    ("demo-second", "演示复审员", "审核员（复审）", [REVIEW_GROUPS["second"]], "Fushen-Demo-2026"),
    ("demo-final", "演示终审员", "审核员（终审，通过即发布）", [REVIEW_GROUPS["final"]], "Zhongshen-Demo-2026"),
]
ADMIN = ("demo-admin", "演示管理员", "区级管理员（全部机构，超级用户）", "Guanli-Demo-2026")
DRAFT_TITLE = f"关于开展社区议事协商试点工作的通知{LABEL}"
PENDING_TITLE = f"官渡区2026年老旧小区改造计划{LABEL}"


@transaction.atomic
def load_demo_data() -> str:
    agency = Organization.objects.filter(org_code=AGENCY_CODE).first()
    if agency is None:
        return "no demo accounts: load the seed first (manage.py load_seed)"
    accounts = {}
    for username, name, role, groups, password in STAFF:
        account = demo_account_ensure(username=username, password=password, full_name=name, role=role, groups=groups)
        AgencyMembership.objects.get_or_create(user=account.user, organization=agency)
        accounts[username] = account
    username, name, role, password = ADMIN
    accounts[username] = demo_account_ensure(
        username=username, password=password, full_name=name, role=role, superuser=True
    )
    created = _records(agency, clerk=accounts["demo-clerk"].user, first=accounts["demo-first"].user)
    lines = [f"{created} demo records created; staff demo accounts (sign in at /admin/):"]
    lines += [f"  {account.line()}" for account in accounts.values()]
    return "\n".join(lines)


def _records(agency, *, clerk, first) -> int:
    created = 0
    for title, submit in [(DRAFT_TITLE, False), (PENDING_TITLE, True)]:
        if DisclosureRecord.objects.filter(title=title, publisher=agency).exists():
            continue
        record = DisclosureRecord(
            title=title,
            publisher=agency,
            topic=Topic.objects.get_or_create(name="城乡建设、环境保护", defaults={"is_national": True})[0],
            genre=Genre.objects.get_or_create(name="通知", defaults={"is_official_document": True})[0],
            written_date=timezone.localdate(),
            keywords="演示",
            body=f"<p>本文为演示数据，供试用录入、审核和发布流程，不是官渡区的真实文件。</p><p>{title}</p>",
        )
        record._history_user = clerk
        record.full_clean()
        record.save()
        created += 1
        if submit:
            record = services.record_submit(record=record, user=clerk, comment="请审核（演示）")
            if record.review_stage == "first":
                services.record_approve(record=record, user=first, comment="内容无误，同意（演示）")
    return created
