"""Whose particulars a case holds and how they are looked for in text, in one place for the two
that need them: the guard on 隐私处理后公开 (services.case_publish refuses published text that
holds one) and the erasure at the end of their period (retention.py takes them out of stored
text). The applicant's are the case's fields (PARTICULARS); a third party asked for its opinion
(征求意见, 条例 Art. 32) is one free-text field, Pause.party (“某某公司（联系人李四，电话…）”),
split here into its parts (party_particulars)."""

import re
from typing import NamedTuple

from core.masking import mask, mask_name

from .identity import fold_width, phone_without_extension

# What the erasure (retention.py) leaves in their place: no one's particular.
ERASED_NAME = "（已删除）"  # the applicant's name in their notices: “（已删除）：”
ERASED_TEXT = "〔已删除〕"  # any other particular inside a text

# The applicant's particulars published text must not hold: field, label, how compared.
# "text": width-folded, without whitespace, case-folded (names, e-mail, addresses written with
# spaces or full-width letters); "code": letters and digits only (an ID number written in groups,
# with a lower-case or full-width x); "digits": digits only (a phone as 138-0000-0000).
PARTICULARS = (
    ("name", "姓名", "text"),
    ("contact_person", "联系人", "text"),
    ("id_number", "证件号码", "code"),
    ("phone", "电话", "digits"),
    ("email", "电子邮箱", "text"),
    ("address", "地址", "text"),
)
# Below this, a number is not looked for: the shortest real one is a 7-digit local phone number
# (the form takes no phone shorter: forms.clean_phone), and shorter digit strings (an old or paper
# case's odd 证件号码) turn up by chance in dates, amounts and 文号, refusing text that holds nothing
# of the applicant's. Names and addresses need only 2 characters, as before.
_MIN_CODE_CHARS = 7
_MIN_TEXT_CHARS = 2
# A number in text: letters and digits joined only by spaces, dashes, dots, slashes or brackets
# (after NFKC). Anything else (a Chinese character, a comma) ends it, so that numbers that stand
# apart in the text are never run together into a false match.
NUMBER = re.compile(r"[0-9A-Z](?:[\s\-‐‑‒–—―.·/()]*[0-9A-Z])*")


# Numbers as written out in Chinese: a phone dictated into a reply (一三九…, with 幺 for 1 as it is
# read aloud), an ID number in 大写 (壹壹零…). Only numbers are read this way: 十/百/千 are not
# digits of a phone or ID, so "二十" stays what it is.
CHINESE_DIGITS = ("〇零○", "一幺壹", "二贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖")
_CHINESE_DIGITS = str.maketrans({char: str(digit) for digit, chars in enumerate(CHINESE_DIGITS) for char in chars})


def folded_text(value) -> str:
    return re.sub(r"\s+", "", fold_width(value)).casefold()


def _code(value) -> str:
    return re.sub(r"[^0-9A-Z]", "", fold_width(value).upper())


def _digits(value) -> str:
    return re.sub(r"[^0-9]", "", fold_width(value))


def particular_forms(kind, value) -> list[str]:
    """The normalized forms of one particular to look for: none when too short to tell apart,
    nor for the marker an erased one left."""
    if (value or "").strip() in (ERASED_NAME, ERASED_TEXT):
        return []
    if kind == "text":
        folded = folded_text(value)
        return [folded, *address_parts(folded)] if len(folded) >= _MIN_TEXT_CHARS else []
    if kind == "code":
        code = _code(value)
        return [code] if len(code) >= _MIN_CODE_CHARS else []
    # A phone is also looked for without its country or area code (stored as digits only:
    # 087165123456 written as 65123456, +8613912345678 as 13912345678), and each long enough
    # group of the number as given.
    value = phone_without_extension(value)  # an extension (转8001) is nobody's particular
    digits = _digits(value)
    groups = [digits, *(_digits(group) for group in re.split(r"[^0-9]+", fold_width(value)))]
    if digits.startswith("86") and len(digits) == 13:
        groups.append(digits[2:])
    if digits.startswith("0"):  # 0 and a two- or three-digit area code
        groups += [digits[3:], digits[4:]]
    return list(dict.fromkeys(group for group in groups if len(group) >= _MIN_CODE_CHARS))


# An address read as its units, each ending in the word for its level (longer words first:
# 街道 before 街 and 道, 小区 before 区). A road and its number, or a flat's building, entrance
# and door, say where one person lives without the rest: "春城路123号", "5栋2单元301室".
_ADDRESS_UNIT = re.compile(
    r".*?(?:街道|社区|小区|大道|胡同|单元|公寓|大厦|花园|新村|号楼|号院|省|市|区|县|镇|乡|村|路|街|道|巷|弄|里|号|栋|幢|座|楼|层|室|户|苑)"
)
_LEVEL_WORD = re.compile(_ADDRESS_UNIT.pattern.removeprefix(".*?"))
_ROAD = re.compile(r"(?:大道|胡同|路|街|道|巷|弄|里)$")
_HOUSE_NUMBER = re.compile(r"[0-9]+(?:-[0-9]+)*号院?$")
_ESTATE = re.compile(r"(?:小区|公寓|大厦|花园|新村|苑)$")
_DWELLING = re.compile(r"[0-9a-z]+(?:-[0-9]+)*(?:号楼|号院|栋|幢|座|单元|楼|层|室|户)$")


def address_parts(folded) -> list[str]:
    """The parts of an address (folded_text) that name a place on their own: a road with its
    house number, an estate with the building in it, and the building, entrance and door
    together. Only the whole address was looked for, so a reply giving "春城路123号5栋2单元301室"
    without the city and district was published. Nothing for a text with no such parts (a name)."""
    units = []
    for unit in _ADDRESS_UNIT.findall(folded):
        if units and _LEVEL_WORD.fullmatch(unit):
            # Nothing but the word for its level: the unit before ended early, at a level word
            # inside a name ("幸福里" of "幸福里小区", "北京路" of "北京路街道"); it goes on here.
            units[-1] += unit
        else:
            units.append(unit)
    parts = []
    for i, unit in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else ""
        if _ROAD.search(unit) and _HOUSE_NUMBER.fullmatch(following):
            parts.append(unit + following)
        if _ESTATE.search(unit) and _DWELLING.fullmatch(following):
            parts.append(unit + following)
    # The dwelling: its units from the first with a number to the end, when two or more (a door
    # number alone, "301室", is in many addresses).
    dwelling = []
    for unit in units:
        if _DWELLING.fullmatch(unit):
            dwelling.append(unit)
        elif dwelling:
            dwelling = []
    if len(dwelling) >= 2:
        parts.append("".join(dwelling))
    return [part for part in dict.fromkeys(parts) if part != folded]


def masked(kind, value) -> str:
    """A particular as staff lists show it (李*, 139****5678, 0871****3456): enough for staff to
    see which it is, in a message that must not repeat it."""
    if kind == "text":
        return mask_name(re.sub(r"\s+", "", fold_width(value)))
    if kind == "code":
        return mask(_code(value))
    digits = _digits(phone_without_extension(value))
    return mask(digits, 3 if len(digits) == 11 and digits.startswith("1") else 4, 4)


class Found(NamedTuple):
    """Where to look (kind, value) and what to call it (label): one particular of someone's."""

    label: str
    kind: str
    value: str


class Haystack:
    """A text as particulars are compared with it, computed once for all of them."""

    def __init__(self, text):
        text = text or ""
        numbers = NUMBER.findall(fold_width(text).translate(_CHINESE_DIGITS).upper())
        self.forms = {
            "text": [folded_text(text)],
            "code": [_code(number) for number in numbers],
            "digits": [_digits(number) for number in numbers],
        }

    def holds(self, kind, value) -> bool:
        return any(form in haystack for form in particular_forms(kind, value) for haystack in self.forms[kind])


# A third party's particulars are one free-text field: its clauses (between commas or brackets)
# name one thing each, a label (联系人, 电话…) saying which, often with no space before the value
# (“联系人李四”). The labels are not looked for (they are in every reply), the value after one is.
_PARTY_CLAUSES = re.compile(r"[，,、;；()（）\[\]【】<>《》]+")
_PARTY_TOKENS = re.compile(r"[\s:：/／]+")
_PARTY_LABELS = {
    **dict.fromkeys(("联系人", "经办人"), "联系人"),
    **dict.fromkeys(("负责人",), "负责人"),
    **dict.fromkeys(("法定代表人", "法人代表"), "法定代表人"),
    **dict.fromkeys(("姓名", "名称"), "姓名或名称"),
    **dict.fromkeys(("联系电话", "电话", "电话号码", "手机", "手机号", "手机号码", "座机", "传真"), "电话"),
    **dict.fromkeys(("联系方式",), "联系方式"),
    **dict.fromkeys(("地址", "通信地址", "通讯地址", "联系地址", "住址", "住所"), "地址"),
    **dict.fromkeys(("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"), "电子邮箱"),
    **dict.fromkeys(("证件号码", "身份证", "身份证号", "身份证号码"), "证件号码"),
    **dict.fromkeys(("统一社会信用代码", "信用代码"), "统一社会信用代码"),
}
_PARTY_LABEL = re.compile("|".join(sorted(map(re.escape, _PARTY_LABELS), key=len, reverse=True)), re.IGNORECASE)
_NUMBER_LABELS = {"电话", "联系方式", "证件号码", "统一社会信用代码"}
_PARTY_NAME = "姓名或名称"  # what a part with no label is (the party itself, most often)
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_NUMBER_GAP = r"[\s\-‐‑‒–—―.·/()]+"  # NUMBER's, at least one
# Words, not a letter of a code (a passport's E 12345678).
_LETTER_WORDS_BEFORE = re.compile(rf"^(?:[A-Za-z]{{2,}}{_NUMBER_GAP})+(?=.*[0-9])")
# What a bilingual letterhead puts before a number: a label, no one's particular.
_LATIN_NUMBER_LABELS = re.compile(r"\b(?:tel|fax|phone|mobile|mob|cell)\b\.?", re.IGNORECASE)
_LETTER_WORDS_AFTER = re.compile(rf"(?<=[0-9])(?:{_NUMBER_GAP}[A-Za-z]{{2,}})+$")


def _party_clause(label, words):
    """The particulars of one labelled value: an e-mail, the numbers long enough to be one (taken
    out of the text, so that “李四 13912345678” gives 李四 too), and the text left."""
    found, rest = [], fold_width(" ".join(words))
    for email in _EMAIL.findall(rest):
        rest = rest.replace(email, " ")
        found.append(Found(label or "电子邮箱", "text", email))
    for number in re.findall(NUMBER.pattern, rest, re.IGNORECASE):
        # Words of letters only before or after it are not part of it (“Tel 0871-65123456”,
        # “Li Si 139…”): run together, the number would be looked for as “TEL087165123456”,
        # which no text giving the number alone holds.
        digits = _LETTER_WORDS_AFTER.sub("", _LETTER_WORDS_BEFORE.sub("", number))
        number = number if re.search("[A-Za-z]", digits) else digits  # a code's letters are its own
        # A number has a digit (“John Smith” is a name); one with letters too is a code
        # (统一社会信用代码, a passport), compared letters and digits alike.
        kind = "code" if re.search("[A-Za-z]", number) else "digits"
        if not re.search("[0-9]", number) or not particular_forms(kind, number):
            continue
        rest = rest.replace(number, " ")
        shape = label if label in _NUMBER_LABELS else None
        found.append(Found(shape or ("电话" if kind == "digits" else "证件号码"), kind, number))
    rest = re.sub(r"\s+", " ", _LATIN_NUMBER_LABELS.sub(" ", rest)).strip()
    if particular_forms("text", rest):
        found.append(Found(label if label and label not in _NUMBER_LABELS else _PARTY_NAME, "text", rest))
    return found


def party_particulars(party) -> list[Found]:
    """A third party's particulars (Pause.party): each labelled part, as text or as a number
    in any usual spelling, then the whole as typed."""
    found = []
    for clause in _PARTY_CLAUSES.split(party or ""):
        label, words = None, []
        for token in _PARTY_TOKENS.split(fold_width(clause)):
            head = _PARTY_LABEL.match(token)
            if head:
                found += _party_clause(label, words)
                label, words = _PARTY_LABELS[head.group().lower()], []
                token = token[head.end() :]
            if token:
                words.append(token)
        found += _party_clause(label, words)
    if particular_forms("text", party):
        found.append(Found(_PARTY_NAME, "text", party))
    return list(dict.fromkeys(found))
