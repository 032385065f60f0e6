"""Characters a capture lost, found where they are and never silently kept or "fixed".

Legacy pages reach us through copy-and-paste, text captures and misconfigured exports, which
drop full-width characters (〕, 年, 月, 日, 号, 项, 名, 元 …) and garble encodings. Each rule below
finds one kind of loss and proposes a reading from the text around it; staff accept it, type
their own, or keep the text (imports.services.flag_resolve). A reading is only a suggestion:
`(政发201820)` may well have lost its issuer's first character too, and the note says so."""

import calendar
import re
from dataclasses import dataclass

HAN = "\u3400-\u9fff"
# What may follow a number as its unit or measure word (a number followed by one is complete).
UNITS = set(
    "年月日时分秒号项名人个次元万亿千百件条家所户处座台辆套份篇部册张页批期届位只头亩米吨斤岁周天倍成%‰余多几级档类种"
)
TIME_UNITS = set("年月日时分秒号%‰")
MONEY_WORDS = ("补贴", "经费", "资金", "薪酬", "工资", "费用", "金额", "投入", "收入", "奖励", "奖金", "元")
PERSON_ENDINGS = set("者员")
ISSUER_ENDINGS = "发通函字办复令规报呈示"
SENTENCE_END = re.compile(r"[。！？!?\x00\n]")
CONTEXT = 10


@dataclass
class Loss:
    kind: str
    start: int
    end: int
    found: str
    suggestion: str = ""
    note: str = ""


def _valid_date(year, month, day) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


# --- the rules, in the order they claim text ----------------------------------------------

_BRACKET_OPEN = re.compile(r"〔((?:19|20)\d{2})(?!〕)(\d{1,5})?(号)?")
_BRACKET_NO_HAO = re.compile(r"〔((?:19|20)\d{2})〕([1-9]\d{0,4})(?![\d号])")
_NO_BRACKETS = re.compile(
    rf"(?:(?<=[（(])|^)([{HAN}]{{1,8}}?[{ISSUER_ENDINGS}])((?:19|20)\d{{2}})([1-9]\d{{0,3}})(号)?(?=[)）]|$)"
)
_GLUED_DATE = re.compile(r"(?<![\d〔.\-/:：])((?:19|20)\d{2})(\d{3,4})(?![\d年月日号〕\-/:.%])")
_YEAR_MONTH = re.compile(rf"(?<![\d〔.\-/:：])((?:19|20)\d{{2}})(1[0-2]|0?[1-9])(?:(月)|(?=[{HAN}]))")
_YEAR = re.compile(rf"(?<![\d〔\[(（.\-/:：第])((?:19|20)\d{{2}})(?=[,，;；。]|[{HAN}])")
_NUMBER_THEN_MARK = re.compile(rf"(?<=[{HAN}])(\d+(?:\.\d+)?)(?=[,，;；。、/])")
_PERSON_COUNT = re.compile(rf"(?<=[者员])(\d+)(?=[{HAN}])")
_REPLACEMENT = re.compile("\ufffd+|(?:锟斤拷)+|烫{2,}|屯{2,}")
_LATIN1_RUN = re.compile("[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]{4,}")


def _bracket(text):
    for m in _BRACKET_OPEN.finditer(text):
        year, serial, hao = m.groups()
        note = "" if serial else "序号也已缺失，请对照原件填写。"
        yield Loss("bracket", m.start(), m.end(), m.group(), f"〔{year}〕{serial or ''}号", note)
    for m in _BRACKET_NO_HAO.finditer(text):
        yield Loss("bracket", m.start(), m.end(), m.group(), f"〔{m[1]}〕{m[2]}号")


def _no_brackets(text):
    for m in _NO_BRACKETS.finditer(text):
        issuer, year, serial, _ = m.groups()
        yield Loss(
            "document_number",
            m.start(),
            m.end(),
            m.group(),
            f"{issuer}〔{year}〕{serial}号",
            "发文机关代字也可能缺字，请对照原件。",
        )


def _glued_date(text):
    for m in _GLUED_DATE.finditer(text):
        year, rest = int(m[1]), m[2]
        splits = [(rest[:k], rest[k:]) for k in (1, 2) if 1 <= len(rest) - k <= 2]
        readings = [f"{year}年{int(a)}月{int(b)}日" for a, b in splits if _valid_date(year, int(a), int(b))]
        if readings:
            note = f"也可能是“{readings[1]}”。" if len(readings) > 1 else ""
            yield Loss("date", m.start(), m.end(), m.group(), readings[0], note)


def _year_month(text):
    for m in _YEAR_MONTH.finditer(text):
        year, month, has_month = m.groups()
        end = m.end()
        if not has_month and end < len(text) and text[end] in UNITS:
            continue  # 20206人: a count, not a date
        yield Loss("date", m.start(), end, m.group(), f"{year}年{int(month)}月")


def _year(text):
    for m in _YEAR.finditer(text):
        following = text[m.end()] if m.end() < len(text) else ""
        if following in UNITS or following in "至到":
            continue
        yield Loss("year", m.start(), m.end(), m.group(), f"{m[1]}年")


def _unit_for(text, start) -> tuple[str, str]:
    """(unit, note) for the number at `start`, from the words before it."""
    window = text[max(0, start - 8) : start]
    if "\x00" in window:
        window = window.rsplit("\x00", 1)[1]
    if any(word in window for word in MONEY_WORDS):
        return "元", ""
    if window and window[-1] in PERSON_ENDINGS:
        return "名", ""
    sentence_start = max((m.end() for m in SENTENCE_END.finditer(text, 0, start)), default=0)
    previous = [m for m in re.finditer(r"\d+(?:\.\d+)?([^\d\s,，;；。、])", text[sentence_start:start])]
    for m in reversed(previous):
        if m[1] in UNITS and m[1] not in TIME_UNITS:
            return m[1], "按同一句中前一个数字的单位推断。"
    return "", "单位无法从上下文推断，请对照原件填写。"


def _missing_unit(text):
    for m in _NUMBER_THEN_MARK.finditer(text):
        number, start, end = m[1], m.start(), m.end()
        if text[start - 1] == "第":
            continue  # 第1、第2: ordinals
        unit, note = _unit_for(text, start)
        following = text[end : end + 2]
        # 4300—6800 with the dash lost: two equal halves, the first smaller.
        if len(number) in (6, 8) and following.startswith("/"):
            half = len(number) // 2
            low, high = number[:half], number[half:]
            if int(low) < int(high) and not low.startswith("0"):
                note = "像是数值范围丢了连接号；原文可能还缺“/月/人”等字，请对照原件。"
                yield Loss("unit", start, end, number, f"{low}—{high}{unit}", note)
                continue
        yield Loss("unit", start, end, number, f"{number}{unit}" if unit else "", note)
    for m in _PERSON_COUNT.finditer(text):
        if m.end() < len(text) and text[m.end()] in UNITS:
            continue
        yield Loss("unit", m.start(), m.end(), m[1], f"{m[1]}名", "人数后缺量词（原文可能还缺标点）。")


def _replacement(text):
    for m in _REPLACEMENT.finditer(text):
        yield Loss("replacement", m.start(), m.end(), m.group(), "", "原字符在采集或转码时已丢失，请对照原件填写。")


# UTF-8 bytes read as GBK: every two Chinese characters become three GBK ones whose bytes still
# spell the UTF-8; the classes below are the GBK characters that can stand at each of the three
# places, so a candidate is found by one regular expression and confirmed by decoding it back.
def _gbk_class(leads, trails) -> str:
    chars = []
    for lead in leads:
        for trail in trails:
            try:
                chars.append(bytes([lead, trail]).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return "".join(sorted(set(chars)))


_LEADS = [*range(0xE3, 0xEA), 0xEF]
_MIDDLE = range(0x81, 0xC0)
_TAIL = range(0x80, 0xC0)
_MOJIBAKE = re.compile(
    "(?:[{}][{}][{}]){{2,}}".format(
        *(re.escape(_gbk_class(a, b)) for a, b in ((_LEADS, _TAIL), (_MIDDLE, _LEADS), (_MIDDLE, _TAIL)))
    )
)


def _common_chinese(text) -> bool:
    """Mostly GB2312 level-1 characters: what real text decodes to, unlike chance matches."""
    common = 0
    for ch in text:
        try:
            common += 0xB0 <= ch.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            continue
    return common * 10 >= len(text) * 6


def _mojibake(text):
    for m in _MOJIBAKE.finditer(text):
        try:
            reading = m.group().encode("gbk").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _common_chinese(reading):
            yield Loss("mojibake", m.start(), m.end(), m.group(), reading, "UTF-8 文字被当作 GBK 读取。")
    for m in _LATIN1_RUN.finditer(text):
        for codec in ("cp1252", "latin-1"):
            try:
                reading = m.group().encode(codec).decode("gb18030")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if _common_chinese(reading):
                yield Loss("mojibake", m.start(), m.end(), m.group(), reading, "GBK 文字被当作西文编码读取。")
                break


RULES = [_replacement, _mojibake, _bracket, _no_brackets, _glued_date, _year_month, _year, _missing_unit]
_TAG = re.compile(r"<[^>]*>")


def mask_tags(html: str) -> str:
    """The markup replaced by NULs of the same length: rules see text only, and offsets
    still point into the stored HTML."""
    return _TAG.sub(lambda m: "\x00" * len(m.group()), html)


def find_losses(text: str, *, html: bool = False) -> list[Loss]:
    if not text:
        return []
    scanned = mask_tags(text) if html else text
    claimed, found = [], []
    for rule in RULES:
        for loss in rule(scanned):
            if any(loss.start < end and start < loss.end for start, end in claimed):
                continue
            claimed.append((loss.start, loss.end))
            loss.found = text[loss.start : loss.end]
            found.append(loss)
    return sorted(found, key=lambda loss: loss.start)


def context(text: str, start: int, end: int, *, html: bool = False) -> tuple[str, str]:
    """Up to CONTEXT characters either side, within the same paragraph and outside markup."""
    scanned = mask_tags(text) if html else text
    before = re.split(r"[\x00\n]", scanned[max(0, start - CONTEXT) : start])[-1]
    after = re.split(r"[\x00\n]", scanned[end : end + CONTEXT])[0]
    return before, after
