"""告知书 texts: defaults here, staff edit them as NoticeTemplate rows (created on first use)."""

from .models import PLACEHOLDER, NoticeTemplate, Outcome

RIGHTS = (
    "申请人对本告知不服的，可以自收到本告知书之日起六十日内依法{where}申请行政复议，"
    "或者自收到本告知书之日起六个月内依法向人民法院提起行政诉讼。"
)


# Art. 32: the third party is asked in writing (15 working days) and, if the agency discloses
# against its objection, told in writing what and why. Neither letter names the applicant.
_TO_THIRD_PARTY = (
    "{party}：\n本机关于{received_on}收到一件政府信息公开申请（申请编号：{number}），申请公开“{title}”。\n"
)
THIRD_PARTY_RIGHTS = (
    "贵方对本决定不服的，可以自收到本告知书之日起六十日内依法{where}申请行政复议，"
    "或者自收到本告知书之日起六个月内依法向人民法院提起行政诉讼。"
)
DEFAULTS_THIRD_PARTY = {
    "third_party_consultation": (
        "征求第三方意见书",
        _TO_THIRD_PARTY
        + "公开该信息可能损害贵方的合法权益。依据《中华人民共和国政府信息公开条例》第三十二条，现书面征求贵方意见，"
        "请于{due}前（自收到本意见书之日起15个工作日内）书面提出是否同意公开的意见及理由。"
        "逾期未提出意见的，由本机关依照条例的规定决定是否公开。",
    ),
    "third_party_disclosure": (
        "决定公开告知书（第三方）",
        _TO_THIRD_PARTY + "本机关曾就此征求贵方意见。经审查，本机关决定予以公开。\n理由：{reason}",
    ),
}


def provisional_words(years) -> str:
    """Why a due date may still move, in plain words (elderly readers): which year's holidays
    are not yet published."""
    named = "、".join(f"{year}年" for year in years) or "期间有的年度"
    return f"暂定：{named}的放假安排国务院尚未公布，公布后可能调整"


def rights(reconsideration_body=""):
    """The statement of rights and their time limits (Art. 36 notices; 行政复议法 Art. 20 and
    行政诉讼法 Art. 46), naming the 复议机关 the agency has set (Agency.reconsideration_body)."""
    return RIGHTS.format(where=f"向{reconsideration_body}" if reconsideration_body else "")


_GENERIC = "{name}：\n本机关于{received_on}收到您提出的政府信息公开申请（申请编号：{number}），所需信息为“{title}”。\n"
DEFAULTS = {
    "receipt": ("政府信息公开申请受理回执", _GENERIC + "本机关已登记您的申请，将在{due}前（20个工作日内）依法答复。"),
    "correction": (
        "补正申请告知书",
        _GENERIC
        + "您的申请内容不明确，请于{due}前补正：{reason}\n答复期限自本机关收到补正的申请之日起计算。无正当理由逾期不补正的，视为放弃申请。",
    ),
    "extension": (
        "延长答复期限告知书",
        _GENERIC + "因{reason}，经本机关政府信息公开工作机构负责人同意，答复期限延长{days}个工作日，至{due}。",
    ),
    "fee": (
        "收取信息处理费通知书",
        _GENERIC
        + "依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），本次申请应缴纳信息处理费{amount}元。请于{due}前缴纳；逾期未缴纳的，视为放弃申请。缴费期间不计算在答复期限内。",
    ),
    "reanswer": (
        "重新答复告知书",
        _GENERIC
        + "本机关曾对您的申请作出答复。现依据{reason}，本机关将对您的申请重新作出答复，答复期限至{due}。原答复存档备查。",
    ),
    "consultation": (
        "征求意见告知书",
        _GENERIC + "您的申请涉及{reason}，本机关正在征求意见，征求意见所需时间不计算在答复期限内。",
    ),
}
for _outcome in Outcome:
    DEFAULTS[_outcome.value] = (
        f"政府信息公开申请答复告知书（{_outcome.label.split('：')[0]}）",
        _GENERIC + "经审查，办理结果为：" + _outcome.label + "。\n{reply}",
    )


def template_for(key):
    title, body = {**DEFAULTS, **DEFAULTS_THIRD_PARTY}[key]
    template, _ = NoticeTemplate.objects.get_or_create(key=key, defaults={"title": title, "body": body})
    return template


def render(key, **context):
    """(title, body). Unknown placeholders stay as typed rather than failing a transition."""
    template = template_for(key)
    # Only {name}-shaped placeholders are filled: a brace typed as text (a stray "}" at the end
    # of a line) is text, not a format error that fails every registration.
    body = PLACEHOLDER.sub(lambda m: str(context[m.group(1)]) if m.group(1) in context else m.group(0), template.body)
    where = f"向{context['reconsideration_body']}" if context.get("reconsideration_body") else ""
    statement = None
    if key in Outcome.values:
        statement = rights(context.get("reconsideration_body", ""))
    elif key == "third_party_disclosure":
        statement = THIRD_PARTY_RIGHTS.format(where=where)
    if statement and statement not in body:
        body += "\n" + statement  # the rights and their time limits, whatever the edited text says
    return template.title, body
