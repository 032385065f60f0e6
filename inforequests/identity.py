"""Identity-document checks (the 统一社会信用代码 check lives in disclosures.codes)."""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.text import without_invisible_marks
from disclosures.codes import validate_credit_code_checksum
from disclosures.models import credit_code_validator

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_check_char(body: str) -> str:
    """GB 11643-1999: the 18th character of a 居民身份证号码."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS)) % 11]


def validate_resident_id(value: str) -> None:
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value or ""):
        raise ValidationError("居民身份证号码应为18位：17位数字加1位数字或X。", code="id_format")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    # A date that does not exist, or one still to come: nobody holds that card.
    if born is None or born > timezone.localdate():
        raise ValidationError("居民身份证号码中的出生日期不正确，请核对。", code="id_birth")
    if id_card_check_char(value[:17]) != value[17]:
        raise ValidationError("居民身份证号码校验码不正确，请核对（GB 11643）。", code="id_checksum")


def validate_credit_code(value: str) -> None:
    # The same two checks as an Organization's code (disclosures.models).
    credit_code_validator(value or "")
    validate_credit_code_checksum(value)


def fold_width(value: str) -> str:
    """Full-width digits and letters, as Chinese input methods type them, as ASCII (NFKC), and
    without the invisible marks text copied from a chat or a web page carries (a zero-width
    space, a byte-order mark), which nobody can see to delete."""
    return without_invisible_marks(unicodedata.normalize("NFKC", value or ""))


def normalize_id(value: str) -> str:
    """Full-width digits and lower-case x, as people type them, to the canonical form."""
    return re.sub(r"[\s-]", "", fold_width(value).strip()).upper()


# How a stored phone number marks its extension (forms.clean_phone): 087165123456转8001.
EXTENSION_MARK = "转"


def phone_without_extension(value: str) -> str:
    return (value or "").split(EXTENSION_MARK, 1)[0]


def phone_digits(value: str) -> str:
    """A phone number's digits for matching, however it was written: without an extension and
    without China's country code (+86 139 1234 5678 is 13912345678; +86 871 6512 3456 is
    087165123456, the 0 a call from abroad leaves out)."""
    digits = re.sub(r"[^0-9]", "", phone_without_extension(fold_width(value)))
    for country in ("0086", "86"):
        if digits.startswith(country) and len(digits) - len(country) >= 10:
            digits = digits[len(country) :]
            return digits if digits.startswith(("0", "1")) else f"0{digits}"
    return digits


def normalize_query_code(value: str) -> str:
    """A 查询码 as issued (XXXX-XXXX-XXXX), however it was typed or read out."""
    value = "".join(c for c in fold_width(value).upper() if c.isascii() and c.isalnum())
    return "-".join(value[i : i + 4] for i in range(0, len(value), 4))
