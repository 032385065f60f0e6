"""How figures are written: in digits for the reader, and as the source letter wrote them
(digits or Chinese numerals such as 四档) when we check a quotation against its number."""

from decimal import Decimal

DIGITS = "零一二三四五六七八九"


def format_number(value) -> str:
    """49.0000 → "49", 93.90 → "93.9"; never scientific notation."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text


def chinese_numeral(n: int) -> str:
    """Small whole numbers as written in Chinese prose: 4 → 四, 17 → 十七, 25 → 二十五."""
    if n < 0 or n > 99:
        raise ValueError("only 0–99")
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else DIGITS[tens]
    return f"{head}十{DIGITS[ones] if ones else ''}"


def number_forms(value) -> list[str]:
    """Every way the source may write this number."""
    digits = format_number(value)
    forms = [digits]
    number = Decimal(value)
    if number == number.to_integral_value() and 0 <= number <= 99:
        n = int(number)
        forms.append(chinese_numeral(n))
        if n == 2:
            forms.append("两")
    return forms


def text_states_number(text: str, value) -> bool:
    """Does `text` contain `value` as a whole number (473 is not found inside 4730)?"""
    for form in number_forms(value):
        start = text.find(form)
        while start != -1:
            end = start + len(form)
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            if not _continues_number(before, form) and not _continues_number(after, form):
                return True
            start = text.find(form, start + 1)
    return False


def _continues_number(char: str, form: str) -> bool:
    if not char:
        return False
    if form[0].isdigit():
        return char.isdigit() or char == "."
    return char in DIGITS + "十百千万两"
