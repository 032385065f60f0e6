"""文号 (document numbers) per GB/T 9704-2012 §7.2.5: 机关代字〔年份〕序号号.

The year is four Arabic digits in hexagonal brackets 〔〕; the serial has no leading
zero and no 第; the number ends in 号. Real data carries ASCII look-alikes such as
[2018], (2018), 【2018】 or 〔2018] — those are normalized, anything else is rejected."""

import re
import unicodedata

from django.core.exceptions import ValidationError

_LOOKALIKE = re.compile(r"\s*[\[\(（【〔［]\s*(\d{4})\s*[\]\)）】〕］]\s*")
_VALID = re.compile(r"^(?P<issuer>[^\s〔〕\[\]()（）]+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d*)号$")


def normalize_document_number(value: str) -> str:
    """Fold full-width digits and bracket look-alikes into the GB/T 9704 form."""
    value = (value or "").strip()
    if not value:
        return ""
    # NFKC folds full-width digits (２０１８ -> 2018) but would also turn 〔 into a
    # different form on some inputs, so fold digits only.
    value = "".join(unicodedata.normalize("NFKC", ch) if ch.isdigit() else ch for ch in value)
    value = _LOOKALIKE.sub(lambda m: f"〔{m.group(1)}〕", value, count=1)
    return re.sub(r"\s+", "", value)


def validate_document_number(value: str) -> None:
    if value and not _VALID.match(value):
        raise ValidationError(
            "文号格式应为“机关代字〔年份〕序号号”，例如“官办通〔2020〕26号”"
            "（年份用六角括号〔〕括入，序号不编虚位、不加“第”字）。",
            code="invalid_document_number",
        )


def parse_document_number(value: str):
    """Return (issuer, year, serial) for a valid number, else None."""
    match = _VALID.match(value or "")
    if not match:
        return None
    return match["issuer"], int(match["year"]), int(match["serial"])
