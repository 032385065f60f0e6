"""Input from readers, one rule for every form and API parameter."""

import unicodedata

# Control, format (zero-width and direction marks), surrogate and private-use characters: none
# has a place in a query or a number, and PostgreSQL rejects NUL outright. Tab and line breaks
# are white space, which the callers fold.
_HIDDEN = ("Cc", "Cf", "Cs", "Co")


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in _HIDDEN and ch not in "\t\n\r" for ch in value)
