"""Clearly labelled demo data (演示数据) so lists, filters and statistics have something to show.

Everything lives under a made-up 政协演示区 with its own made-up government (org code
DEMO00001), so no demo row can be mistaken for, or collide with, a real one. The random
choices come from a fixed seed; dates are placed relative to today so that some proposals
are overdue and some are not. Rows are found by natural key before being created, and each
proposal is created only with its replies and feedback, so a second run creates nothing."""

import datetime as dt
import random

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from disclosures.models import Organization
from security.demo import demo_account_ensure

from . import services
from .defaults import ensure_defaults
from .models import Assembly, Member, Proposal, Reply, ReplyCategory, SatisfactionLevel, Session

DEMO_SEED = 20230531
LABEL = "（演示数据）"
GOVERNMENT = "演示区人民政府" + LABEL
GOVERNMENT_CODE = "DEMO00001"
UNITS = [
    "演示区教育体育局",
    "演示区民政局",
    "演示区住房和城乡建设局",
    "演示区卫生健康局",
    "演示区交通运输局",
    "演示区市场监督管理局",
]
ASSEMBLY = "政协演示区" + LABEL
SECTORS = ["经济界", "教育界", "医药卫生界", "科技界", "社会福利和社会保障界", "农业界", "文化艺术界"]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
SUBJECTS = [
    "加快老旧小区加装电梯",
    "完善社区居家养老服务",
    "缓解中小学放学时段交通拥堵",
    "规范校外培训机构管理",
    "推进垃圾分类进小区",
    "加强农贸市场食品安全监管",
    "增加城区公共停车位",
    "提升社区卫生服务中心能力",
    "保护滇池沿岸湿地",
    "扶持夜间经济发展",
    "改善背街小巷照明",
    "建设口袋公园",
    "推进无障碍环境建设",
    "加强电动自行车充电安全管理",
    "优化公交线网",
    "完善婴幼儿托育服务",
    "规范物业服务收费",
    "加大社区工作者培训力度",
    "推广适老化改造",
    "加强校园周边食品安全管理",
    "打通断头路",
    "治理城中村消防隐患",
    "建设社区图书馆",
    "促进非遗传承",
    "完善农村饮水安全保障",
]
# Per session: how many proposals end in each state.
PLAN = {"answered": 14, "handling": 3, "assigned": 3, "rehandling": 2, "rehandled": 2}
SATISFIED_ONLY = ["satisfied", "satisfied", "basically_satisfied"]


def _org(name, **defaults):
    return Organization.objects.get_or_create(name=name, defaults=defaults)[0]


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _letter(proposal: Proposal, unit: Organization, day: dt.date, *, second=False) -> str:
    opening = "经重新办理，现再次答复如下" if second else "现答复如下"
    return (
        f"<p>尊敬的{proposal.lead_member.name}委员：</p>\n"
        f"<p>您提出的《{proposal.title}》提案收悉，{opening}：</p>\n"
        f"<p>（本答复为演示数据，内容不代表任何单位的实际工作。）我单位高度重视，会同有关单位研究后，"
        f"将在年度工作中统筹推进，并定期向您通报进展。</p>\n"
        "<p>感谢您对政府工作的关心和支持。</p>\n"
        "<p>（联系人及电话：演示联系人 电话：0871-00000000）</p>\n"
        f'<p class="signature">{unit.name}</p>\n'
        f'<p class="signature">{day.year}年{day.month}月{day.day}日</p>'
    )


def _reply(proposal, unit, *, day, category, publish_delay, second=False, mode=Reply.PublicationMode.FULL):
    """Write, send and (unless 不公开 stays unpublished) publish a reply through the services."""
    reply = Reply.objects.create(
        proposal=proposal,
        answering_unit=unit,
        replied_on=day,
        category=category,
        letter=_letter(proposal, unit, day, second=second),
        publication_mode=mode,
        mode_reason={
            "full": "",
            "summary": "答复涉及尚未完成的规划方案，摘要公开（演示数据）",
            "withheld": "答复涉及个人隐私，不予公开（演示数据）",
        }[mode],
        summary="<p>答复摘要：相关工作已列入计划，分步实施（演示数据）。</p>" if mode == "summary" else "",
        contact_person="演示联系人",
        contact_phone="0871-00000000",
    )
    services.reply_send(reply=reply)
    an_hour_ago = (timezone.now() - dt.timedelta(hours=1)).replace(second=0, microsecond=0)  # 发布日期 is to the minute
    published = min(_aware(day + dt.timedelta(days=publish_delay), 10), an_hour_ago)
    services.reply_publish(reply=reply, published_at=published)
    return reply


def _members(assembly):
    members = []
    for index in range(16):
        name = f"{SURNAMES[index]}演示"
        member, _ = Member.objects.get_or_create(
            assembly=assembly,
            name=name,
            sector=SECTORS[index % len(SECTORS)],
            # Contact details exist so tests can prove they never reach a public page.
            defaults={
                "phone": f"1390000{index:04d}",
                "email": f"demo-member-{index:02d}@example.invalid",
                "address": f"演示区演示路{index + 1}号{LABEL}",
            },
        )
        members.append(member)
    return members


def _plan(rng):
    states = [state for state, count in PLAN.items() for _ in range(count)]
    rng.shuffle(states)
    return states


@transaction.atomic
def load_demo_data(today=None) -> str:
    today = today or timezone.localdate()
    rng = random.Random(DEMO_SEED)
    ensure_defaults(ReplyCategory, SatisfactionLevel)
    categories = list(ReplyCategory.objects.filter(code__in=["A", "B", "C"]).order_by("code"))
    levels = {level.code: level for level in SatisfactionLevel.objects.all()}
    dissatisfied = next(level for level in levels.values() if level.requires_rehandling)

    government = _org(GOVERNMENT, short_name="演示区人民政府", org_code=GOVERNMENT_CODE)
    units = [_org(name + LABEL, short_name=name, parent=government) for name in UNITS]
    assembly, _ = Assembly.objects.get_or_create(
        name=ASSEMBLY, defaults={"kind": Assembly.Kind.CPPCC, "place": "演示区" + LABEL, "position": 90}
    )
    members = _members(assembly)
    subjects = list(SUBJECTS)
    rng.shuffle(subjects)

    created = 0
    opens = [today - dt.timedelta(days=515), today - dt.timedelta(days=150)]
    for session_number, opens_on in enumerate(opens, start=1):
        session, _ = Session.objects.get_or_create(
            assembly=assembly,
            term=1,
            number=session_number,
            defaults={"year": opens_on.year, "opens_on": opens_on, "closes_on": opens_on + dt.timedelta(days=4)},
        )
        for index, state in enumerate(_plan(rng), start=1):
            # Every random draw happens whether or not the row exists, so the data stay the same.
            draws = {
                "subject": subjects[(index + session_number * 7) % len(subjects)],
                "member": rng.choice(members),
                "co": rng.sample(members, rng.choice([0, 0, 1, 2])),
                "unit": rng.choice(units),
                "assisting": rng.sample(units, rng.choice([0, 0, 1])),
                "assigned": opens_on + dt.timedelta(days=rng.randint(10, 30)),
                "recent": today - dt.timedelta(days=rng.randint(15, 60)),
                "reply_after": rng.randint(25, 130),
                "category": categories[index % 3] if index % 5 else rng.choice(categories),
                "mode": rng.choice(["full"] * 8 + ["summary", "withheld"]),
                "publish_after": 35 if rng.random() < 0.15 else rng.choice([3, 6, 9, 12, 15, 18]),
                "republish_after": rng.choice([2, 5, 8]),
                "feedback": rng.random() < 0.7,
                "rehandling_after": rng.randint(5, 40),
                "second_after": rng.randint(10, 35),
                "level": rng.choice(SATISFIED_ONLY),
                "key": rng.random() < 0.2,
                "extended": rng.random() < 0.1,
            }
            number = f"{session_number}{index:03d}"
            if Proposal.objects.filter(session=session, number=number).exists():
                continue
            created += 1
            _proposal_with_history(
                session,
                number,
                state,
                draws,
                today=today,
                levels=levels,
                dissatisfied=dissatisfied,
                recent_ok=session_number == 2,
            )
    return f"{created} proposals created" if created else "already present, nothing created"


MEMBER_USERNAME, MEMBER_PASSWORD = "demo-member", "Weiyuan-Demo-2026"  # published in the README: demo only


@transaction.atomic
def demo_member_account() -> str:
    """The 委员 demo account, linked to the demo member who leads the most demo proposals (so
    /accounts/ lists their proposals, replies and satisfaction forms). Never in production."""
    member = (
        Member.objects.filter(assembly__name=ASSEMBLY)
        .annotate(led=Count("lead_proposals"))
        .order_by("-led", "pk")
        .first()
    )
    if member is None:
        return "no 委员 demo account: no demo members"
    account = demo_account_ensure(
        username=MEMBER_USERNAME,
        password=MEMBER_PASSWORD,
        full_name=member.name,
        role=f"委员（{member.name}，{member.led} 件提案）",
        staff=False,
        second_factor=False,  # two-step sign-in is optional for members (ADR 0030)
    )
    Member.objects.filter(user=account.user).exclude(pk=member.pk).update(user=None)
    if member.user_id != account.user.pk:
        member.user = account.user
        member.save()
    return f"member demo account (sign in at /accounts/login/): {account.line()}"


def _proposal_with_history(session, number, state, draws, *, today, levels, dissatisfied, recent_ok):
    member = draws["member"]
    assigned_on = (
        draws["recent"] if recent_ok and state in ("assigned", "handling") and int(number) % 2 else draws["assigned"]
    )
    proposal = Proposal(
        session=session,
        number=number,
        kind=Proposal.Kind.PROPOSAL,
        title=f"关于{draws['subject']}的建议{LABEL}",
        lead_member=member,
        filed_on=session.opens_on,
        assigned_on=assigned_on,
        lead_unit=draws["unit"],
        is_key=draws["key"],
        status=Proposal.Status.HANDLING if state == "handling" else Proposal.Status.ASSIGNED,
        extended=draws["extended"],
        extension_reason="涉及多个部门协调，经政协提案委员会同意延期办理（演示数据）" if draws["extended"] else "",
    )
    proposal.full_clean()
    proposal.save()
    proposal.co_proposers.set([m for m in draws["co"] if m != member])
    proposal.assisting_units.set([u for u in draws["assisting"] if u != draws["unit"]])
    if state == "handling" and int(number) % 3 == 0:
        # A draft in progress: it must never be visible anywhere public.
        Reply.objects.create(
            proposal=proposal, answering_unit=proposal.lead_unit, letter="<p>办理中的答复草稿（演示数据）。</p>"
        )
    if state in ("assigned", "handling"):
        return
    replied_on = min(assigned_on + dt.timedelta(days=draws["reply_after"]), today - dt.timedelta(days=3))
    reply = _reply(
        proposal,
        proposal.lead_unit,
        day=replied_on,
        category=draws["category"],
        mode=draws["mode"] if state == "answered" else "full",
        publish_delay=draws["publish_after"],
    )
    if state == "answered":
        if draws["feedback"]:
            services.feedback_submit(reply=reply, member=member, level=levels[draws["level"]])
        return
    services.feedback_submit(reply=reply, member=member, level=dissatisfied, comment="答复未回应核心诉求（演示数据）")
    # Re-handling started when the form came back, a little after the reply; some are overdue.
    started = min(replied_on + dt.timedelta(days=draws["rehandling_after"]), today)
    proposal.refresh_from_db()
    proposal.rehandling_started_on = started
    proposal.save()  # also recomputes the derived 重新办理期限
    if state == "rehandled":
        second_day = min(started + dt.timedelta(days=draws["second_after"]), today - dt.timedelta(days=1))
        second = _reply(
            proposal,
            proposal.lead_unit,
            day=second_day,
            category=draws["category"],
            second=True,
            publish_delay=draws["republish_after"],
        )
        services.feedback_submit(reply=second, member=member, level=levels["basically_satisfied"])
