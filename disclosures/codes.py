"""Check digits of Chinese organization identifiers, so a mistyped code is caught at entry
(a wrong code would end up in every 索引号 the organization publishes)."""

from django.core.exceptions import ValidationError

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def org_code_check_digit(body: str) -> str:
    """GB 11714-1997: the 9th character of a 组织机构代码."""
    remainder = 11 - sum(_ORG_CHARS.index(c) * w for c, w in zip(body, _ORG_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def credit_code_check_char(body: str) -> str:
    """GB 32100-2015: the 18th character of a 统一社会信用代码."""
    remainder = 31 - sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS)) % 31
    return _CREDIT_CHARS[0 if remainder == 31 else remainder]


def validate_org_code_checksum(value: str) -> None:
    if value and len(value) == 9 and org_code_check_digit(value[:8]) != value[8]:
        raise ValidationError("组织机构代码校验码不正确，请核对（GB 11714）。", code="org_code_checksum")


def validate_credit_code_checksum(value: str) -> None:
    if not value or len(value) != 18:
        return
    if any(c not in _CREDIT_CHARS for c in value):
        return  # the format validator reports this
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError("统一社会信用代码校验码不正确，请核对（GB 32100）。", code="credit_code_checksum")
    validate_org_code_checksum(value[8:17])
