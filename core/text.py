"""Input from readers, one rule for every form and API parameter."""

import unicodedata

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
        return any((unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") or ch in _BIDI_CONTROLS for ch in value)
    return any(unicodedata.category(ch) in _HIDDEN and ch not in "\t\n\r" for ch in value)


def without_invisible_marks(value: str) -> str:
    """`value` without the format characters that text copied from a web page or a chat carries
    and a reader cannot see to delete (zero-width space and joiners, word joiner, byte-order
    mark, soft hyphen). The bidirectional controls stay, for has_control_characters to refuse."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf" or ch in _BIDI_CONTROLS)


def printable(value: str) -> str:
    """`value` without hidden characters, for echoing what a reader typed back in a message."""
    return "".join(ch for ch in value if unicodedata.category(ch) not in _HIDDEN or ch in "\t\n\r")
