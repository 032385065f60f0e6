"""Chinese numerals for 届次 names (十届二次会议, 十七届三次会议)."""

DIGITS = "零一二三四五六七八九"


def chinese_number(value: int) -> str:
    """1 → 一, 10 → 十, 17 → 十七, 20 → 二十, 21 → 二十一, 100 → 一百 (届次 never go higher)."""
    if value < 0 or value > 999:
        raise ValueError(f"out of range: {value}")
    if value < 10:
        return DIGITS[value]
    if value < 20:
        return "十" + (DIGITS[value - 10] if value > 10 else "")
    if value < 100:
        tens, ones = divmod(value, 10)
        return DIGITS[tens] + "十" + (DIGITS[ones] if ones else "")
    hundreds, rest = divmod(value, 100)
    if rest == 0:
        return DIGITS[hundreds] + "百"
    if rest < 10:
        return DIGITS[hundreds] + "百零" + DIGITS[rest]
    tail = chinese_number(rest)
    return DIGITS[hundreds] + "百" + ("一" + tail if rest < 20 else tail)
