"""What changed between two versions of a value, for people to read: which characters of a
title, which paragraphs of a body. difflib (standard library) does the matching; Chinese has no
spaces between words, so a line is compared character by character, and rich text (HTML) as
its text, one line per paragraph, heading, list item or table cell.

A diff is a list of rows; a row is a list of (op, text) segments, op "" (unchanged), "del" or
"ins"; None stands for unchanged lines left out."""

import difflib
import html
import re

from django.utils.html import strip_tags

# Where a block of rich text ends: each becomes a line of its own.
_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(?:p|div|h[1-6]|li|tr|td|th|blockquote|pre|caption|figcaption)>")
SHORT = 120  # a one-line value up to this long is shown whole, its changed characters marked
CONTEXT_LINES = 1
# Below this similarity a line is shown as removed and added, not as a tangle of small changes.
INLINE_MIN_RATIO = 0.4


def text_lines(value: str) -> list[str]:
    """The readable lines of `value` (HTML becomes its text)."""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", value or "")))
    return [line.strip() for line in text.splitlines() if line.strip()]


def inline_diff(old: str, new: str) -> list[tuple[str, str]]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < INLINE_MIN_RATIO:
        return [segment for segment in (("del", old), ("ins", new)) if segment[1]]
    segments = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(("", old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(("del", old[i1:i2]))
        if j2 > j1:
            segments.append(("ins", new[j1:j2]))
    return segments


def lines_diff(old: list[str], new: list[str], *, context=CONTEXT_LINES) -> list:
    """The changed lines with `context` unchanged lines around each change."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    rows, end = [], 0
    for group in matcher.get_grouped_opcodes(context):
        if group[0][1] > end:
            rows.append(None)
        end = group[-1][2]
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [[("", line)] for line in old[i1:i2]]
            elif tag == "replace" and i2 - i1 == j2 - j1:
                rows += [inline_diff(a, b) for a, b in zip(old[i1:i2], new[j1:j2])]
            else:
                rows += [[("del", line)] for line in old[i1:i2]]
                rows += [[("ins", line)] for line in new[j1:j2]]
    if rows and end < len(old):
        rows.append(None)
    return rows


def value_diff(old: str, new: str) -> list:
    """Rows showing how `old` became `new`; [] when their text is the same (markup changed)."""
    old, new = old or "", new or ""
    one_line = "\n" not in old + new and "<" not in old + new
    if one_line and max(len(old), len(new)) <= SHORT:
        return [inline_diff(old, new)] if old != new else []
    return lines_diff(text_lines(old), text_lines(new))
