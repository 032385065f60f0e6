"""The two full-text backends: built only where they belong, used by the queries, and
returning the same hits for the same corpus (this file runs on SQLite and PostgreSQL with
identical expectations)."""

import pytest
from django.db import connection

from core.planner import index_walk
from search.backends import FTS_TABLE, backend_for
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import documents_matching, search
from tests.disclosures.factories import published

CORPUS = {
    "关于印发官渡区社区工作者管理办法的通知": "<p>根据《官办通〔2020〕26号》文件，规范社区管理。</p>",
    "关于开展城乡社区治理试点工作的通知": "<p>确定第三批省级城乡社区治理现代化试点。</p>",
    "关于治理工作的安排": "<p>治理工作要点；另行开展试点。</p>",
    "关于昆办通（2018）49号文件的解读": "<p>社区工作准入制度。</p>",
    "GB/T 9704 公文格式说明": "<p>党政机关公文格式 GB/T 9704—2012。</p>",
    "全角编号ＡＢＣ１２３的说明": "<p>区级部门。</p>",
    "关于长文档的通知": "<p>" + "的" * 20000 + "信息公开条例</p>",
}
EXPECTED = {
    "社区": {
        "关于印发官渡区社区工作者管理办法的通知",
        "关于开展城乡社区治理试点工作的通知",
        "关于昆办通（2018）49号文件的解读",
    },
    "治理试点": {"关于开展城乡社区治理试点工作的通知"},
    "〔2018〕49号": {"关于昆办通（2018）49号文件的解读"},
    "[2018]49号": {"关于昆办通（2018）49号文件的解读"},
    "官办通[2020]26号": {"关于印发官渡区社区工作者管理办法的通知"},
    "区": {
        "关于印发官渡区社区工作者管理办法的通知",
        "关于开展城乡社区治理试点工作的通知",
        "关于昆办通（2018）49号文件的解读",
        "全角编号ＡＢＣ１２３的说明",
    },
    # Only ever the last character of a run (…的通知): found through its own unigram token.
    "知": {"关于印发官渡区社区工作者管理办法的通知", "关于开展城乡社区治理试点工作的通知", "关于长文档的通知"},
    "gb/t 9704": {"GB/T 9704 公文格式说明"},
    "abc123": {"全角编号ＡＢＣ１２３的说明"},
    "ABC": {"全角编号ＡＢＣ１２３的说明"},
    "信息公开条例": {"关于长文档的通知"},  # deep in a 20,000-character body
    "华人民": set(),
    "社区 试点": {"关于开展城乡社区治理试点工作的通知"},
}


@pytest.fixture
def corpus(db):
    for title, body in CORPUS.items():
        published(title=title, body=body)


@pytest.mark.parametrize("q", list(EXPECTED))
def test_same_hits_on_every_backend(corpus, q):
    hits = {d.title for d in search(query=parse_query(q)).queryset}
    assert hits == EXPECTED[q]


def test_a_walk_finds_the_same_documents(corpus):
    """Inside a walk a Han phrase is checked verbatim alone (search.backends.TokenMatch): the
    same documents match as through the full-text index, in the whole text and in titles."""
    for q, expected in EXPECTED.items():
        for title_only in (False, True):
            matched = documents_matching(query=parse_query(q), title_only=title_only)
            found = {d.title for d in matched}
            with index_walk(matched.db):
                walked = {d.title for d in matched}
            assert walked == found, (q, title_only)
            assert found == expected if not title_only else found <= expected, (q, title_only)


@pytest.mark.parametrize(
    "q, unvouched",
    [
        ("社区治理", ((), ())),
        ("社区治理试点 工作", (("工作",), ())),
        ("社区 治理", (("社区", "治理"), ())),  # two words, each only a token: nothing checked verbatim
        ("社区治理 区", ((), ("区",))),
        ("〔2018〕49号", ((), ("号", "2018", "49"))),  # digits are tokenized as written too
        ("GB/T 9704", ((), ("gb", "t", "9704"))),
        # The squeezed term's own pairs, not those of the term normalized again (沈默 → 沉默).
        ("沈,默然 沉默", (("沉默",), ())),
    ],
)
def test_what_a_verbatim_phrase_vouches_for(q, unvouched):
    assert parse_query(q).unvouched_tokens() == unvouched


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, q, found_by",
    [
        # A phrase split across paragraphs: each line is tokenized on its own.
        ("<p>完善城乡社区</p><p>治理体系。</p>", "社区治理", "社区 治理"),
        # 沈,默然 squeezes to 沈默然, which holds 沈默, not 沉默 (OpenCC's reading of it).
        ("<p>他沈，默然不语。</p>", "沈,默然 沉默", "沈,默然"),
    ],
)
def test_a_walk_and_the_index_reject_the_same_documents(body, q, found_by):
    published(title="关于有关事项的说明", body=body)
    matched = documents_matching(query=parse_query(q))
    assert not matched.exists()
    with index_walk(matched.db):
        assert not matched.exists()
    assert documents_matching(query=parse_query(found_by)).exists()


@pytest.mark.postgres_only
def test_postgres_walk_checks_a_han_phrase_without_reading_the_vector(corpus):
    phrase = documents_matching(query=parse_query("治理试点"))
    mixed = documents_matching(query=parse_query("治理试点 工作"))
    assert "search_vector) @@" in str(phrase.query)  # found through the full-text index
    with index_walk(phrase.db):
        assert "@@" not in str(phrase.query)
        assert "'工作'" in str(mixed.query) and "'治理'" not in str(mixed.query)
        assert [d.title for d in phrase] == ["关于开展城乡社区治理试点工作的通知"]
        plan = phrase.order_by("-published_at").explain()
    assert "search_vector" not in plan and "~~ '%治理试点%'" in plan, plan


def test_ranking_is_stable_title_first(corpus):
    ranked = [d.title for d in search(query=parse_query("社区治理")).queryset]
    assert ranked == ["关于开展城乡社区治理试点工作的通知"]
    ranked = [d.title for d in search(query=parse_query("社区")).queryset]
    assert ranked[-1] == "关于昆办通（2018）49号文件的解读"  # the only one with 社区 in the body alone


@pytest.mark.django_db
def test_fulltext_structures_exist_only_where_they_belong():
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if connection.vendor == "sqlite":
        assert FTS_TABLE in tables
    else:
        assert FTS_TABLE not in tables


@pytest.mark.postgres_only
def test_postgres_query_uses_the_gin_index(corpus):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_document_fts_gin'")
        [(definition,)] = cursor.fetchall()
    assert "USING gin (search_vector)" in definition
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = 'search_searchdocument' AND column_name = 'search_vector'"
        )
        [(expression,)] = cursor.fetchall()
    assert "'simple'::regconfig" in expression and "'A'" in expression and "'B'" in expression
    # The token match alone, as the backend builds it: its expression must be the indexed one.
    # (On a tiny table the planner prefers other paths; benchmarks show it on real sizes.)
    everything = SearchDocument.objects.all()
    qs = backend_for(everything).match(everything, parse_query("治理试点"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "Bitmap Index Scan on search_document_fts_gin" in plan, plan
    assert [d.title for d in qs] == ["关于开展城乡社区治理试点工作的通知"]


@pytest.mark.postgres_only
def test_postgres_title_matches_use_the_title_index(corpus):
    everything = SearchDocument.objects.all()
    qs = backend_for(everything).match(everything, parse_query("社区工作者"), title_only=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "search_document_title_gin" in plan, plan
    assert [d.title for d in qs] == ["关于印发官渡区社区工作者管理办法的通知"]


@pytest.mark.postgres_only
@pytest.mark.parametrize("title_only, index", [(False, "search_document_fts_gin"), (True, "search_document_title_gin")])
def test_postgres_lone_character_is_a_prefix_through_the_index(corpus, title_only, index):
    """A lone character reads the index (局 → '局':*), never every document's text."""
    everything = SearchDocument.objects.all()
    qs = backend_for(everything).match(everything, parse_query("知"), title_only=title_only)
    assert "'知':*" in str(qs.query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert f"Bitmap Index Scan on {index}" in plan, plan
    assert len(qs) == 3


@pytest.mark.postgres_only
def test_postgres_stored_vector_follows_updates(corpus):
    document = SearchDocument.objects.get(title="关于治理工作的安排")
    SearchDocument.objects.filter(pk=document.pk).update(title_tokens="麒麟")  # any write path
    everything = SearchDocument.objects.all()
    assert list(backend_for(everything).match(everything, parse_query("麒麟"))) == [document]


@pytest.mark.django_db
def test_sqlite_fts_table_follows_updates_and_deletes(corpus):
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is the SQLite backend")
    document = SearchDocument.objects.get(title="关于治理工作的安排")
    document.title_tokens = "麒麟"
    document.save()
    query = parse_query("麒麟")
    assert list(backend_for(SearchDocument.objects.all()).match(SearchDocument.objects.all(), query)) == [document]
    document.delete()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH 'title_tokens:麒麟'")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_sqlite_fts_table_indexes_every_tokens_first_character(corpus):
    """Migration 0008: a lone character (a prefix) reads the FTS5 table's first-character index,
    not every token it begins; the same documents are found with or without it."""
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is the SQLite backend")
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("search.migrations.0008_sqlite_prefix_index")
    everything = SearchDocument.objects.all()

    def table_and_hits():
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [FTS_TABLE])
            sql = cursor.fetchone()[0]
        hits = {
            q: set(backend_for(everything).match(everything, parse_query(q)).values_list("pk", flat=True))
            for q in ("知", "治", "社区")
        }
        return sql, hits

    sql, hits = table_and_hits()
    assert "prefix='1'" in sql
    assert all(hits.values())
    with connection.cursor() as cursor:
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        migration.backwards(None, editor)
        before, hits_before = table_and_hits()
        migration.forwards(None, editor)
    assert "prefix" not in before and hits_before == hits
    assert table_and_hits() == (sql, hits)


def test_migration_gives_documents_indexed_before_their_final_character_tokens(corpus):
    """Migration 0006 re-tokenizes what was indexed with bigrams alone: 知 (only ever last in
    a run) is then found, through the index, in every backend."""
    import importlib

    from django.apps import apps

    retokenize = importlib.import_module("search.migrations.0006_final_character_tokens").retokenize
    everything = SearchDocument.objects.all()
    for document in everything:  # as the old tokenizer left them: no 知 token anywhere
        for column in ("title_tokens", "keyword_tokens", "body_tokens"):
            setattr(document, column, " ".join(t for t in getattr(document, column).split() if t != "知"))
        document.save()
    query = parse_query("知")
    assert not backend_for(everything).match(everything, query).exists()
    retokenize(apps, None)
    assert backend_for(everything).match(everything, query).count() == 3
