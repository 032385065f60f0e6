"""告知书 texts: defaults here, staff edit them as NoticeTemplate rows (created on first use)."""

from .models import PLACEHOLDER, NoticeTemplate, Outcome

RIGHTS = (
    "申请人对本告知不服的，可以自收到本告知书之日起六十日内依法{where}申请行政复议，"
    "或者自收到本告知书之日起六个月内依法向人民法院提起行政诉讼。"
)


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
    title, body = DEFAULTS[key]
    template, _ = NoticeTemplate.objects.get_or_create(key=key, defaults={"title": title, "body": body})
    return template


def render(key, **context):
    """(title, body). Unknown placeholders stay as typed rather than failing a transition."""
    template = template_for(key)
    # Only {name}-shaped placeholders are filled: a brace typed as text (a stray "}" at the end
    # of a line) is text, not a format error that fails every registration.
    body = PLACEHOLDER.sub(lambda m: str(context[m.group(1)]) if m.group(1) in context else m.group(0), template.body)
    statement = rights(context.get("reconsideration_body", ""))
    if key in Outcome.values and statement not in body:
        body += "\n" + statement  # the rights and their time limits, whatever the edited text says
    return template.title, body
