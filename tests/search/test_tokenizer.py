"""The tokenizer, query parsing and highlighting, without a database."""

import pytest

from search.highlight import highlight, snippet, terms_pattern
from search.query import MAX_QUERY_LENGTH, QueryError, parse_query
from search.tokenizer import normalize, query_tokens, squeeze, tokens


def test_han_runs_become_overlapping_bigrams_and_alnum_runs_stay_whole():
    assert tokens("信息公开") == ["信息", "息公", "公开", "开"]  # and the final character
    assert tokens("GB/T 9704")[:3] == ["gb", "t", "9704"]
    assert "2024" in tokens("关于2024年") and "关于" in tokens("关于2024年")


def test_lone_han_character_is_a_unigram():
    assert tokens("区") == ["区"]
    assert tokens("一、区") == ["一区", "区"]  # bridged: punctuation does not split the squeezed run


def test_every_character_of_a_document_begins_one_of_its_tokens():
    """What lets a lone-character query use the index: as a prefix it finds every document
    that holds the character, wherever in a run it stands (the last place included)."""
    text = "关于2024年度区政府信息公开，工作年报。A局"
    doc = tokens(text)
    for character in squeeze(text):
        if not character.isascii():
            assert any(token.startswith(character) for token in doc), character


def test_full_width_folds_and_brackets_are_ignored():
    assert squeeze("京政办发〔２０２４〕12号") == "京政办发202412号"
    assert squeeze("[2018]49号") == squeeze("(2018)49号") == squeeze("〔2018〕49号") == squeeze("［２０１８］４９号")
    assert squeeze("ＡＢＣ") == "abc"


def test_document_tokens_cover_query_tokens_across_punctuation():
    doc = set(tokens("（昆办通〔2018〕49号）与社区、治理"))
    for query in ("〔2018〕49号", "[2018]49号", "201849号", "49号", "社区治理", "区治"):
        bigrams, prefixes = query_tokens(normalize(query))
        assert set(bigrams) <= doc, query
        assert all(any(token.startswith(p) for token in doc) for p in prefixes), query


def test_lone_han_query_is_a_prefix_token_and_needs_no_verbatim_check():
    parsed = parse_query("区")
    assert parsed.terms == ("区",) and parsed.prefixes == ("区",) and not parsed.bigrams
    assert parsed.verbatim_terms == ()  # the prefix is exact: every occurrence begins a token
    mixed = parse_query("2020年")
    assert set(mixed.prefixes) == {"2020", "年"} and mixed.verbatim_terms == ("2020年",)


def test_query_terms_split_on_whitespace_and_deduplicate():
    parsed = parse_query("  社区　治理 社区 ")
    assert parsed.terms == ("社区", "治理")
    assert set(parsed.bigrams) == {"社区", "治理"}


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "请输入检索词"),
        ("   ", "请输入检索词"),
        ("！？。，…—", "只有标点、符号或表情"),
        ("😀👍", "只有标点、符号或表情"),
        ("社区\x00", "控制字符"),
        ("社区\x1b[0m", "控制字符"),
        ("\ufffd", "无法识别的字符"),
        ("社" * 1000, "检索词过长"),
        (" ".join("社区" for _ in range(3)) + " " + " ".join(f"词{i}" for i in range(12)), "最多"),
    ],
)
def test_bad_queries_raise_a_readable_message(raw, message):
    with pytest.raises(QueryError) as error:
        parse_query(raw)
    assert message in str(error.value)


def test_longest_allowed_query_is_accepted():
    assert parse_query("社" * MAX_QUERY_LENGTH).terms == ("社" * MAX_QUERY_LENGTH,)


def test_highlight_escapes_text_and_marks_hits():
    pattern = terms_pattern(["社区"])
    html = highlight('<script>alert("社区")</script>', pattern)
    assert html == "&lt;script&gt;alert(&quot;<mark>社区</mark>&quot;)&lt;/script&gt;"


def test_highlight_matches_across_widths_and_bracket_forms():
    pattern = terms_pattern([squeeze("[2018]49号")])
    assert "<mark>２０１８〕49号</mark>" in highlight("昆办通〔２０１８〕49号", pattern)


def test_snippet_is_cut_around_the_first_hit():
    text = "甲" * 200 + "治理试点" + "乙" * 200
    excerpt = snippet(text, terms_pattern(["治理试点"]), width=60)
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert "<mark>治理试点</mark>" in excerpt
    assert len(excerpt.replace("<mark>", "").replace("</mark>", "")) <= 62


@pytest.mark.parametrize("raw", ["区", "〇", "𠀀", "a", "局:*", "社区治理", "2020年", "ＡＢＣ", "局'|区"])
def test_every_searchable_query_has_index_tokens(raw):
    """What lets documents_matching always go through the full-text index."""
    parsed = parse_query(raw)
    assert parsed.bigrams or parsed.prefixes
