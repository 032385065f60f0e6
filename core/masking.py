"""Personal values shown in part: enough to tell people apart in a list, not to identify them.
Here, below every app, so that each app masks the same way (依申请公开 applicants, members)."""


def mask(value: str, keep_start: int = 4, keep_end: int = 4) -> str:
    """5301**********1234: enough to tell cases apart in a list, not enough to identify."""
    value = value or ""
    if len(value) <= keep_end:
        return "*" * len(value)
    start = value[:keep_start] if len(value) > keep_start + keep_end else ""
    return start + "*" * (len(value) - len(start) - keep_end) + value[-keep_end:]


def mask_name(value: str) -> str:
    value = value or ""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""
