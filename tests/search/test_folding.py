"""繁简 folding and pinyin: traditional characters and variants find simplified text, and a
title's full pinyin or its initials find it, on both databases."""

import pytest

from search.highlight import highlight, terms_pattern
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import search
from search.tokenizer import normalize, pinyin_tokens, squeeze, tokens
from tests.disclosures.factories import published

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]
SEED_URL = "/disclosures/015117762-202306-707714/"


def urls(q):
    return [document.url for document in search(query=parse_query(q)).queryset.iterator()]


def test_traditional_and_variant_characters_fold_to_simplified():
    assert normalize("社區治理") == "社区治理"
    assert squeeze("臺灣　ＡＢ") == "台湾ab"
    assert tokens("基層治理") == tokens("基层治理")


def test_a_query_is_normalized_once_as_a_document_is():
    """OpenCC's t2s is not idempotent (薴麻 → 苧麻, then 苧 → 苎): a query normalized twice
    became 苎麻纺织, which no document normalized once holds."""
    assert parse_query("薴麻纺织").terms == (squeeze("薴麻纺织"),) == ("苧麻纺织",)


def test_pinyin_tokens_start_at_every_character():
    found = pinyin_tokens("关于社区治理的通知")
    assert any(token.startswith("shequzhili") for token in found)
    assert any(token.startswith("sqzl") for token in found)
    assert "guanyushequzhilidetongzhi" in found


def test_traditional_query_highlights_simplified_text_and_back():
    assert str(highlight("社区治理", terms_pattern(parse_query("社區").terms))) == "<mark>社区</mark>治理"
    assert str(highlight("社區治理", terms_pattern(parse_query("社区").terms))) == "<mark>社區</mark>治理"


class TestFoldingFindsTheSeed:
    @pytest.mark.parametrize("q", ["社區治理", "基層社會治理", "社区 治理"])
    def test_traditional_finds_simplified(self, seed, q):
        assert SEED_URL in urls(q)

    def test_traditional_text_is_found_by_simplified_query(self, db):
        record = published(title="關於加強社區圖書館建設的通知", body="<p>社區圖書館。</p>")
        assert record.get_absolute_url() in urls("社区图书馆")

    def test_a_word_that_folds_twice_is_found_as_written(self, db):
        record = published(title="关于扶持薴麻纺织企业的通知", body="<p>正文。</p>")
        assert record.get_absolute_url() in urls("薴麻纺织")

    @pytest.mark.parametrize("q", ["zhengxieguanduqu", "zxgdq", "GuanDuQu", "dafudehan"])
    def test_pinyin_finds_the_letter(self, seed, q):
        assert SEED_URL in urls(q)

    @pytest.mark.parametrize("q", ["jicengshehuizhili", "jcshzl", "JiCeng SheHui"])
    def test_pinyin_finds_the_reply(self, seed, q):
        reply = SearchDocument.objects.get(source="reply", title__contains="基层社会治理")
        assert reply.url in urls(q)

    def test_pinyin_of_a_title_word_finds_it_and_not_others(self, db):
        wanted = published(title="关于社区治理的通知", body="<p>正文。</p>")
        other = published(title="关于道路养护的通知", body="<p>正文提到社区治理。</p>")
        for q in ("shequzhili", "sqzl"):
            found = urls(q)
            assert wanted.get_absolute_url() in found
            assert other.get_absolute_url() not in found
