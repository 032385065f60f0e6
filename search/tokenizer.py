"""Chinese-aware tokens computed in Python, the same way for documents and queries.

Han runs become overlapping bigrams (as Lucene's CJKAnalyzer does) plus their final character
as a unigram, and runs of letters/digits stay whole. Every character thus begins a token, so a
lone character is found through the index as a prefix (局 → 局*). No dictionary, so any
substring is findable; exact phrases are then checked on a normalized copy
(`squeeze`), which is also what makes 〔2018〕49号, [2018]49号 and ［２０１８］49号 equal.
Traditional characters and variants fold to simplified ones (OpenCC t2s) on both sides, and
titles also carry pinyin tokens (pypinyin): see docs/decisions/0080-search-relevance.md."""

import functools
import re
import unicodedata

import opencc

# CJK Unified Ideographs, Extension A, compatibility ideographs, 〇, Extensions B–H.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN_RUNS = re.compile(rf"([{HAN}]+)|((?:(?![{HAN}])[^\W_])+)")
_KEEP = re.compile(rf"[{HAN}]|(?:(?![{HAN}])[^\W_])")
_NOT_KEPT = re.compile(rf"(?:(?![{HAN}])[\W_])+")
_ALL_HAN = re.compile(rf"[{HAN}]+")
# PostgreSQL rejects lexemes of 2 KB or more; long alphanumeric runs (hashes, URLs) are cut.
MAX_TOKEN_LENGTH = 64
# A tsvector must stay below 1 MB, and nobody searches the 200,001st character.
MAX_INDEXED_CHARS = 200_000
# Pinyin initials are typed for short names (sqzl = 社区治理); longer runs would only bloat the index.
MAX_INITIALS_LENGTH = 16


@functools.cache
def _lazy_pinyin():
    """pypinyin, imported on first use: its dictionaries take some 57 MiB, and only indexing
    (a publish, an edit) needs them, not the workers that serve pages and searches."""
    from pypinyin import lazy_pinyin

    return lazy_pinyin


@functools.cache
def _to_simplified():
    return opencc.OpenCC("t2s")


def fold_chinese(text: str) -> str:
    """Traditional characters and variants as simplified ones (社區 → 社区, 臺 → 台)."""
    return _to_simplified().convert(text) if text else ""


def normalize(text: str) -> str:
    """NFKC (full-width → half-width, ① → 1), lower case and simplified characters."""
    return fold_chinese(unicodedata.normalize("NFKC", text or "").lower())


def squeeze(text: str) -> str:
    """The normalized text with only Han characters, letters and digits kept."""
    return squeeze_normalized(normalize(text))


def squeeze_normalized(normalized: str) -> str:
    """`squeeze` for text normalized already. Normalizing twice can change text (OpenCC's t2s
    turns 薴麻 into 苧麻, then 苧 into 苎), and a document is normalized once, so a query must be too."""
    return _NOT_KEPT.sub("", normalized)


def _runs(normalized: str):
    for match in _TOKEN_RUNS.finditer(normalized):
        han, alnum = match.groups()
        yield (han, True) if han else (alnum, False)


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def han_phrase_bigrams(term: str) -> list[str]:
    """The bigrams of a term made only of Han characters, as written (one run: `tokens` indexes
    each of them wherever the run occurs); none for a term with anything else."""
    return _bigrams(term) if _ALL_HAN.fullmatch(term) else []


def _han_tokens(run: str) -> list[str]:
    """The run's bigrams and its final character, which begins no bigram (一事一申请 → 一事 事一
    一申 申请 请): a lone-character query, as a prefix, then finds every run that holds it."""
    return _bigrams(run) + ([run[-1]] if len(run) > 1 else [])


def tokens(text: str) -> list[str]:
    """Index tokens: overlapping Han bigrams and each run's final character, whole alphanumeric runs.

    Han bigrams are taken from the squeezed line, so 社区、治理 also yields 区治 and a
    query typed without the punctuation still finds it. Alphanumeric runs are taken as
    written (〔2018〕49号 → 2018, 49, so "49号" finds it) and also as squeezed (201849),
    so the token match never rejects what the verbatim check on search_text accepts."""
    result = []
    for line in normalize(text[:MAX_INDEXED_CHARS] if text else "").splitlines():
        squeezed = squeeze_normalized(line)
        written = [run for run, is_han in _runs(line) if not is_han]
        for run, is_han in _runs(squeezed):
            if is_han:
                result.extend(_han_tokens(run))
            elif run not in written:
                written.append(run)
        result.extend(run[:MAX_TOKEN_LENGTH] for run in written)
    return result


def token_string(*texts: str) -> str:
    return " ".join(token for text in texts for token in tokens(text))


def query_tokens(normalized: str) -> tuple[list[str], list[str]]:
    """(Han bigrams, prefixes) a normalized query term must match, mirroring `tokens`: the
    alphanumeric runs, and a lone Han character, which begins a token wherever it occurs
    (`_han_tokens`)."""
    han_runs = [run for run, is_han in _runs(squeeze_normalized(normalized)) if is_han]
    bigrams = [bigram for run in han_runs if len(run) > 1 for bigram in _bigrams(run)]
    prefixes = [run for run in han_runs if len(run) == 1]
    prefixes += [run[:MAX_TOKEN_LENGTH] for run, is_han in _runs(normalized) if not is_han]
    return _unique(bigrams), _unique(prefixes)


def pinyin_tokens(title: str) -> list[str]:
    """Full pinyin and initials from every character of each Han run onwards, so a prefix
    query finds a run anywhere in the title: shequzhili and sqzl both match 社区治理."""
    result = []
    for line in normalize(title).splitlines():
        for run, is_han in _runs(_NOT_KEPT.sub("", line)):
            if not is_han:
                continue
            syllables = [syllable for syllable in _lazy_pinyin()(run, errors="ignore") if syllable.isascii()]
            for start in range(len(syllables)):
                result.append("".join(syllables[start:])[:MAX_TOKEN_LENGTH])
                if start + 1 < len(syllables):
                    result.append("".join(s[0] for s in syllables[start:])[:MAX_INITIALS_LENGTH])
    return _unique(result)


def has_searchable_text(text: str) -> bool:
    return bool(_KEEP.search(normalize(text)))


def _unique(items):
    return list(dict.fromkeys(items))
