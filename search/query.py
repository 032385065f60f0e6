"""A user's query: checked, split into terms, and turned into tokens for the backends."""

from dataclasses import dataclass, field

from core.text import has_control_characters, without_invisible_marks

from .tokenizer import MAX_TOKEN_LENGTH, han_phrase_bigrams, normalize, query_tokens, squeeze_normalized

MAX_QUERY_LENGTH = 100
MAX_TERMS = 10


class QueryError(ValueError):
    """A query that cannot be searched; the message is shown to the reader as is."""


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    # Squeezed terms: each must appear verbatim in a document's search_text.
    terms: tuple[str, ...]
    bigrams: tuple[str, ...] = field(default=())
    prefixes: tuple[str, ...] = field(default=())
    # The terms the token match alone cannot vouch for (phrases longer than one token).
    verbatim_terms: tuple[str, ...] = field(default=())

    def unvouched_tokens(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(bigrams, prefixes) that the verbatim check of `verbatim_terms` does not imply: a
        phrase of Han characters found verbatim in a squeezed line is one run of them there,
        and the line's tokens hold every bigram of it (search.tokenizer.tokens). Letters and
        digits are tokenized as written as well as squeezed, so a term with them vouches for
        nothing; nor does any term for a prefix (a lone character or a run of letters). The
        term's own pairs, as written: normalizing it again could change them (OpenCC reads the
        squeezed 沈默然 of "沈,默然" as the phrase 沈默 and writes 沉默)."""
        vouched = {bigram for term in self.verbatim_terms for bigram in han_phrase_bigrams(term)}
        return tuple(bigram for bigram in self.bigrams if bigram not in vouched), self.prefixes


def clean_query(raw: str) -> str:
    """The query as typed, minus surrounding space and invisible marks (a pasted zero-width
    space: nobody could find it to delete it); raises QueryError with a reader-facing message."""
    value = without_invisible_marks(raw or "").strip()
    if not value:
        raise QueryError("请输入检索词，例如“社区治理”或文号“官办通〔2020〕26号”。")
    if "\ufffd" in value:
        # What an invalid UTF-8 byte in the address (such as %FF) decodes to.
        raise QueryError("检索词含有无法识别的字符（可能是网址编码错误），请重新输入。")
    if has_control_characters(value):
        raise QueryError("检索词含有控制字符或不可见字符，请删除后重新输入。")
    if len(value) > MAX_QUERY_LENGTH:
        raise QueryError(f"检索词过长（{len(value)}个字符），请控制在{MAX_QUERY_LENGTH}个字符以内。")
    return value


def parse_query(raw: str) -> ParsedQuery:
    value = clean_query(raw)
    terms, parts = [], []
    # Normalized once, as a document is (see squeeze_normalized).
    for part in normalize(value).split():
        term = squeeze_normalized(part)
        if term and term not in terms:
            terms.append(term)
            parts.append(part)
    if not terms:
        raise QueryError("检索词中没有可检索的文字或数字（只有标点、符号或表情），请输入汉字、字母或数字。")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"检索词最多{MAX_TERMS}个（用空格分隔），请减少后重试。")
    bigrams, prefixes, verbatim = [], [], []
    for term, part in zip(terms, parts):
        term_bigrams, term_prefixes = query_tokens(part)
        bigrams.extend(t for t in term_bigrams if t not in bigrams)
        prefixes.extend(t for t in term_prefixes if t not in prefixes)
        # A two-character word (社区) or one run of letters/digits (2018) is matched by its
        # token exactly as by the verbatim check (documents are tokenized from the same
        # squeezed lines), so the costly substring scan is skipped for it.
        if term_bigrams + term_prefixes != [term] or len(term) > MAX_TOKEN_LENGTH:
            verbatim.append(term)
    return ParsedQuery(
        raw=value, terms=tuple(terms), bigrams=tuple(bigrams), prefixes=tuple(prefixes), verbatim_terms=tuple(verbatim)
    )
