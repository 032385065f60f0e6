"""Input from readers, one rule for every form and API parameter."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

# Control, format (zero-width and direction marks), surrogate and private-use characters: none
# has a place in a query or a number, and PostgreSQL rejects NUL outright. Tab and line breaks
# are white space, which the callers fold.
_HIDDEN = ("Cc", "Cf", "Cs", "Co")


# Embeddings, overrides and isolates: they reorder how text is shown (a name that reads
# backwards to staff), so free text refuses them with the control characters.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(value: str, *, only_controls=False) -> bool:
    """`only_controls`: format characters pass (free text pasted from Word keeps its zero-width
    marks, and emoji sequences their joiners), except the bidirectional controls; control
    characters never do."""
    if only_controls:
        return first_control_character(value) is not None
    return any(unicodedata.category(ch) in _HIDDEN and ch not in "\t\n\r" for ch in value)


# Full-width ASCII (U+FF01–FF5E) and the ideographic space, as Chinese input methods type them.
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


def fold_full_width(value: str) -> str:
    """Ｘ－２０２４ as X-2024, and nothing else: NFKC would also read ², ① and ⅰ as digits and
    letters, so that a number typed with them became another number without a word."""
    return (value or "").translate(_FULL_WIDTH)


def without_invisible_marks(value: str) -> str:
    """`value` without the format characters that text copied from a web page or a chat carries
    and a reader cannot see to delete (zero-width space and joiners, word joiner, byte-order
    mark, soft hyphen). The bidirectional controls stay, for has_control_characters to refuse."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf" or ch in _BIDI_CONTROLS)


# A line or paragraph separator copied from a PDF: a line break where the text has lines; in a
# one-line field nothing between two Chinese characters (关于开展…的通知 broken at a line end),
# else a space.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_SEPARATOR_IN_CHINESE = re.compile(f"(?<=[{_CJK}])[\u2028\u2029]+(?=[{_CJK}])")
_SEPARATORS = {True: dict.fromkeys(map(ord, "\u2028\u2029"), " "), False: dict.fromkeys(map(ord, "\u2028\u2029"), "\n")}


def visible_text(value: str, *, one_line: bool) -> str:
    """`value` as it reads: see keep_visible_text."""
    value = without_invisible_marks(value)
    if one_line:
        value = _SEPARATOR_IN_CHINESE.sub("", value)
    return value.translate(_SEPARATORS[one_line])


def keep_visible_text(field, *, one_line: bool):
    """`field` (a CharField staff type into) keeps the text as it reads: without the invisible
    marks copied with it (a zero-width space inside a title hid it from a search for its
    words), a pasted line separator a line break, or nothing or a space in a one-line field. A
    stored value that holds such a mark is not “changed” by a form that leaves it as it reads
    (an applicant's address would have asked for a correction's reason)."""
    to_python, has_changed = field.to_python, field.has_changed

    def cleaned(value):
        value = visible_text(value, one_line=one_line)
        return value.strip() if field.strip else value  # white space a mark stood before

    def visible(value):
        value = to_python(value)
        return cleaned(value) if isinstance(value, str) else value

    def changed(initial, data):
        return has_changed(cleaned(initial) if isinstance(initial, str) else initial, data)

    field.to_python, field.has_changed = visible, changed


def printable(value: str) -> str:
    """`value` without hidden characters, for echoing what a reader typed back in a message."""
    return "".join(ch for ch in value if unicodedata.category(ch) not in _HIDDEN or ch in "\t\n\r")


def where_hidden(value: str, at: int) -> str:
    """The control character at `at` named and placed for a message: it cannot be seen to find."""
    before = printable(value[max(0, at - 12) : at]).strip()
    return f"U+{ord(value[at]):04X}（不可见，{f'在“{before}”之后' if before else '在开头'}）"


def first_control_character(value: str) -> int | None:
    """Where has_control_characters(value, only_controls=True) finds its first, or None."""
    for at, ch in enumerate(value):
        if (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") or ch in _BIDI_CONTROLS:
            return at
    return None


def _no_control_characters(value):
    at = first_control_character(value) if isinstance(value, str) else None
    if at is not None:
        raise ValidationError(
            f"含有控制字符 {where_hidden(value, at)}，通常是复制粘贴带来的，请删除后重试。", code="control"
        )


def refuse_control_characters(field):
    """`field` (a CharField) refuses control characters, NUL included, in one message (not
    two): stored, they break what is built from the text (an RSS feed: XML cannot carry them)."""
    field.validators = [
        *(v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)),
        _no_control_characters,
    ]
