"""Highlighting on the original text: escaped, hits wrapped in <mark>, excerpts around the
first hit. Matching runs on an NFKC, lower-cased, simplified copy mapped back character by
character, so a query typed with half-width digits also marks full-width ones (２０１８),
[2018]49号 marks 〔2018〕49号 and 社区 marks 社區."""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .tokenizer import fold_chinese

# Between two characters of a term, up to three characters the search ignores
# (punctuation, spaces), but never a line break.
_GAP = r"(?:[^\w\n]|_){0,3}"


def terms_pattern(terms) -> re.Pattern | None:
    """One regex for all squeezed terms, longest first."""
    alternatives = [
        _GAP.join(re.escape(ch) for ch in term) for term in sorted(set(terms), key=len, reverse=True) if term
    ]
    return re.compile("|".join(alternatives)) if alternatives else None


def _normalized(text: str) -> tuple[str, list[int]]:
    chars, origin = [], []
    for index, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch).lower():
            chars.append(folded)
            origin.append(index)
    normalized = "".join(chars)
    simplified = fold_chinese(normalized)
    # Folding is character for character nearly always; where a phrase changed length the
    # offsets would no longer map back, so the unfolded copy is used.
    return (simplified if len(simplified) == len(normalized) else normalized), origin


def find_spans(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    """(start, end) offsets of hits in the original text."""
    if not text or pattern is None:
        return []
    normalized, origin = _normalized(text)
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(normalized) if m.end() > m.start()]


def _marked(text: str, spans, start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out, cursor = [], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        out.append(escape(text[cursor:span_start]))
        out.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    out.append(escape(text[cursor:end]))
    return "".join(out)


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    return mark_safe(_marked(text or "", find_spans(text, pattern)))


def snippet(text: str, pattern: re.Pattern | None, *, width: int = 120, before: int = 30) -> SafeString:
    """An excerpt of about `width` characters around the first hit (or the opening), escaped."""
    text = (text or "").replace("\n", " ")
    spans = find_spans(text, pattern)
    start = max(0, spans[0][0] - before) if spans else 0
    end = min(len(text), start + width)
    body = _marked(text, spans, start, end)
    return mark_safe(("…" if start > 0 else "") + body + ("…" if end < len(text) else ""))
