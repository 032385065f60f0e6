"""Input from readers, one rule for every form and API parameter."""

import unicodedata

# Control, format (zero-width and direction marks), surrogate and private-use characters: none
# has a place in a query or a number, and PostgreSQL rejects NUL outright. Tab and line breaks
# are white space, which the callers fold.
_HIDDEN = ("Cc", "Cf", "Cs", "Co")


def has_control_characters(value: str, *, only_controls=False) -> bool:
    """`only_controls`: format characters pass (free text pasted from Word keeps its zero-width
    marks, and emoji sequences their joiners); control characters never do."""
    hidden = ("Cc",) if only_controls else _HIDDEN
    return any(unicodedata.category(ch) in hidden and ch not in "\t\n\r" for ch in value)
