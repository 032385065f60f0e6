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


# 行政复议法 (2023) Art. 23(1)(四): against 不予公开 the applicant must apply for 复议 first and
# may sue only on the 复议决定 (行政诉讼法 Art. 45: 15 days). A 部分公开 withholds a part, so it
# is told the same (ADR 0142).
RIGHTS_REVIEW_FIRST = (
    "申请人对本告知不服的，应当先自收到本告知书之日起六十日内依法{where}申请行政复议"
    "（《中华人民共和国行政复议法》第二十三条）；对行政复议决定不服的，"
    "可以自收到行政复议决定书之日起十五日内依法向人民法院提起行政诉讼；行政复议机关逾期不作决定的，"
    "可以在复议期满之日起十五日内依法向人民法院提起行政诉讼（《中华人民共和国行政诉讼法》第四十五条）。"
)


def review_first(outcome) -> bool:
    return outcome == Outcome.PARTIAL or Outcome.group(outcome) == "不予公开"


def rights(reconsideration_body="", outcome=None):
    """The statement of rights and their time limits (Art. 36 notices; 行政复议法 Art. 20 and
    行政诉讼法 Art. 46), naming the 复议机关 the agency has set (Agency.reconsideration_body)."""
    text = RIGHTS_REVIEW_FIRST if outcome is not None and review_first(outcome) else RIGHTS
    return text.format(where=f"向{reconsideration_body}" if reconsideration_body else "")


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
    # The applicant's own withdrawal: no decision of the agency's, so no result and no rights
    # to contest it (the 年报 counts it as 其他处理/其他).
    "withdrawal": ("终止办理告知书", _GENERIC + "{reply}"),
}
for _outcome in Outcome:
    DEFAULTS[_outcome.value] = (
        f"政府信息公开申请答复告知书（{_outcome.label.split('：')[0]}）",
        _GENERIC + "经审查，办理结果为：" + _outcome.label + "。\n{reply}",
    )


# The rule each notice rests on, quoted so an applicant can look it up (Art. 36(三) asks for the
# reason; the 年报 row labels an outcome shows, "三安全一稳定", are no statutory wording). Appended
# on rendering unless the text already cites the article (its token), so an edited template
# keeps it and one that cites more precisely is left as written. Withdrawal and 其他 cite none.
LAW = "《中华人民共和国政府信息公开条例》"
BASIS = {
    "receipt": (
        "第三十三条",
        f"依据{LAW}第三十三条第二款，行政机关不能当场答复的，应当自收到申请之日起20个工作日内予以答复。",
    ),
    "correction": (
        "第三十条",
        f"依据{LAW}第三十条，政府信息公开申请内容不明确的，行政机关应当给予指导和释明，"
        "并自收到申请之日起7个工作日内一次性告知申请人作出补正，说明需要补正的事项和合理的补正期限。",
    ),
    "extension": (
        "第三十三条",
        f"依据{LAW}第三十三条第二款，需要延长答复期限的，应当经政府信息公开工作机构负责人同意并告知申请人，"
        "延长的期限最长不得超过20个工作日。",
    ),
    "consultation": (
        "第三十二条",
        f"依据{LAW}第三十二条、第三十四条、第三十三条第三款，行政机关征求第三方和其他机关意见所需时间不计算在答复期限内。",
    ),
    "fee": (
        "第四十二条",
        f"依据{LAW}第四十二条，申请人申请公开政府信息的数量、频次明显超过合理范围的，行政机关可以收取信息处理费。",
    ),
    Outcome.GRANTED: (
        "第三十六条",
        # 予以公开 (年报表三) covers information published already (36(一)) and released (36(二)).
        f"依据{LAW}第三十六条第（一）项、第（二）项，所申请公开信息已经主动公开的，告知申请人获取该政府信息的方式、途径；"
        "所申请公开信息可以公开的，向申请人提供该政府信息，或者告知申请人获取该政府信息的方式、途径和时间。",
    ),
    Outcome.PARTIAL: (
        "第三十七条",
        f"依据{LAW}第三十七条，申请公开的信息中含有不应当公开或者不属于政府信息的内容，但是能够作区分处理的，"
        "行政机关应当向申请人提供可以公开的政府信息内容，并对不予公开的内容说明理由。",
    ),
    Outcome.DENIED_SECRET: ("第十四条", f"依据{LAW}第十四条，依法确定为国家秘密的政府信息，不予公开。"),
    Outcome.DENIED_LAW: ("第十四条", f"依据{LAW}第十四条，法律、行政法规禁止公开的政府信息，不予公开。"),
    Outcome.DENIED_SAFETY: (
        "第十四条",
        f"依据{LAW}第十四条，公开后可能危及国家安全、公共安全、经济安全、社会稳定的政府信息，不予公开。",
    ),
    Outcome.DENIED_THIRD_PARTY: (
        "第十五条",
        f"依据{LAW}第十五条，涉及商业秘密、个人隐私等公开会对第三方合法权益造成损害的政府信息，行政机关不得公开。"
        "但是，第三方同意公开或者行政机关认为不公开会对公共利益造成重大影响的，予以公开。",
    ),
    Outcome.DENIED_INTERNAL: (
        "第十六条",
        f"依据{LAW}第十六条第一款，行政机关的内部事务信息，包括人事管理、后勤管理、内部工作流程等方面的信息，"
        "可以不予公开。",
    ),
    Outcome.DENIED_PROCESS: (
        "第十六条",
        f"依据{LAW}第十六条第二款，行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、"
        "请示报告等过程性信息，可以不予公开。法律、法规、规章规定上述信息应当公开的，从其规定。",
    ),
    Outcome.DENIED_ENFORCEMENT: (
        "第十六条",
        f"依据{LAW}第十六条第二款，行政执法案卷信息可以不予公开。法律、法规、规章规定上述信息应当公开的，从其规定。",
    ),
    Outcome.DENIED_QUERY: (
        "第三十六条",
        f"依据{LAW}第三十六条第（七）项，所申请公开信息属于工商、不动产登记资料等信息，"
        "有关法律、行政法规对信息的获取有特别规定的，请依照有关法律、行政法规的规定办理。",
    ),
    Outcome.UNABLE_NOT_HELD: (
        "第三十六条",
        f"依据{LAW}第三十六条第（四）项、第（五）项，经检索没有所申请公开信息的，告知申请人该政府信息不存在；"
        "所申请公开信息不属于本机关负责公开的，告知申请人并说明理由，能够确定负责公开该政府信息的行政机关的，"
        "告知该行政机关的名称、联系方式。",
    ),
    Outcome.UNABLE_NEEDS_MAKING: (
        "第三十八条",
        f"依据{LAW}第三十八条，行政机关向申请人提供的信息，应当是已制作或者获取的政府信息。"
        "除依照本条例第三十七条的规定能够作区分处理的外，需要行政机关对现有政府信息进行加工、分析的，"
        "行政机关可以不予提供。",
    ),
    Outcome.UNABLE_UNCLEAR: (
        "第三十条",
        f"依据{LAW}第二十九条第二款、第三十条，本机关已告知补正，补正后申请内容仍不明确，无法确定所需的政府信息。",
    ),
    Outcome.NOT_PROCESSED_PETITION: (
        "第三十九条",
        f"依据{LAW}第三十九条第一款，申请人以政府信息公开申请的形式进行信访、投诉、举报等活动，"
        "行政机关应当告知申请人不作为政府信息公开申请处理并可以告知通过相应渠道提出。",
    ),
    Outcome.NOT_PROCESSED_REPEAT: (
        "第三十六条",
        f"依据{LAW}第三十六条第（六）项，行政机关已就申请人提出的政府信息公开申请作出答复、"
        "申请人重复申请公开相同政府信息的，不予重复处理。",
    ),
    Outcome.NOT_PROCESSED_PUBLICATION: (
        "第三十九条",
        f"依据{LAW}第三十九条第二款，申请人提出的申请内容为要求行政机关提供政府公报、报刊、书籍等公开出版物的，"
        "行政机关可以告知获取的途径。",
    ),
    Outcome.NOT_PROCESSED_EXCESSIVE: (
        "第三十五条",
        f"依据{LAW}第三十五条，申请人申请公开政府信息的数量、频次明显超过合理范围，行政机关可以要求申请人说明理由。"
        "行政机关认为申请理由不合理的，告知申请人不予处理。",
    ),
    Outcome.NOT_PROCESSED_CONFIRM: (
        "第三十八条",
        f"依据{LAW}第三十八条，行政机关向申请人提供的信息，应当是已制作或者获取的政府信息。"
        "对申请人已经获取的信息，本机关不再予以确认或者重新出具。",
    ),
    Outcome.OTHER_NO_CORRECTION: (
        "第三十条",
        f"依据{LAW}第三十条，申请人无正当理由逾期不补正的，视为放弃申请，行政机关不再处理该政府信息公开申请。",
    ),
    Outcome.OTHER_UNPAID: (
        "109号",
        "依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），申请人逾期未缴纳信息处理费的，"
        "视为放弃申请，行政机关不再处理该政府信息公开申请。",
    ),
}


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
    token, basis = BASIS.get(key, ("", ""))
    # Cited already by the template as staff wrote it (not by the applicant's words filled in).
    if basis and token not in template.body:
        body += "\n" + basis
    where = f"向{context['reconsideration_body']}" if context.get("reconsideration_body") else ""
    statement = None
    if key in Outcome.values:
        statement = rights(context.get("reconsideration_body", ""), outcome=key)
    elif key == "third_party_disclosure":
        statement = THIRD_PARTY_RIGHTS.format(where=where)
    if statement and statement not in body:
        body += "\n" + statement  # the rights and their time limits, whatever the edited text says
    return template.title, body
