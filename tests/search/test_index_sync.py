"""The index follows every save, publish and withdraw; drafts, scheduled and withdrawn
items never appear; the rebuild command and load_seed refresh it."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from disclosures.models import DisclosureRecord
from disclosures.services import record_publish, record_withdraw
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import documents_matching
from tests.disclosures.factories import draft, published, scheduled


def found(q, at=None):
    return set(documents_matching(query=parse_query(q), at=at).values_list("title", flat=True))


@pytest.mark.django_db
class TestFollowsWrites:
    def test_draft_is_not_indexed_until_published(self):
        record = draft("关于草稿事项的通知", body="<p>独角兽计划</p>")
        assert not SearchDocument.objects.filter(source="record", object_id=record.pk).exists()
        assert found("独角兽") == set()
        record_publish(record=record)
        assert found("独角兽") == {"关于草稿事项的通知"}

    def test_edit_is_reflected(self):
        record = published("关于旧标题的通知", body="<p>旧内容</p>")
        record.title = "关于新标题的通知"
        record.body = "<p>麒麟方案</p>"
        record.save()
        assert found("麒麟") == {"关于新标题的通知"}
        assert found("旧内容") == set()
        assert SearchDocument.objects.filter(source="record").count() == 1

    def test_withdraw_removes_and_republish_restores(self):
        record = published("关于凤凰项目的通知")
        record_withdraw(record=record, reason="测试")
        assert found("凤凰") == set()
        assert not SearchDocument.objects.filter(object_id=record.pk, source="record").exists()
        record_publish(record=record)
        assert found("凤凰") == {"关于凤凰项目的通知"}

    def test_delete_removes(self):
        record = published("关于白泽项目的通知")
        record.delete()
        assert SearchDocument.objects.count() == 0

    def test_scheduled_record_appears_when_its_time_comes_without_a_save(self):
        record = scheduled("关于貔貅项目的通知")
        assert found("貔貅") == set()  # indexed, but not public yet
        assert SearchDocument.objects.filter(source="record", object_id=record.pk).exists()
        later = timezone.now() + dt.timedelta(days=3)
        assert found("貔貅", at=later) == {"关于貔貅项目的通知"}

    def test_scheduled_record_is_hidden_from_the_page(self, client):
        scheduled("关于朱雀项目的通知")
        response = client.get("/search/", {"q": "朱雀"})
        assert response.context["page"].paginator.count == 0
        assert "朱雀项目" not in response.content.decode().split('role="status"')[1]

    def test_publisher_rename_reindexes_its_records(self):
        record = published("关于玄武项目的通知")
        record.publisher.name = "昆明市官渡区青龙局"
        record.publisher.save()
        assert found("青龙局") == {"关于玄武项目的通知"}


@pytest.mark.django_db
class TestReplyAndFactVisibility:
    def test_withdrawing_the_seed_record_hides_its_reply_and_facts(self, seed):
        assert SearchDocument.objects.filter(record=seed).values("source").distinct().count() == 3
        record_withdraw(record=seed, reason="测试")
        assert found("社区") == set()
        assert not SearchDocument.objects.exists()
        record_publish(record=seed)
        sources = set(SearchDocument.objects.values_list("source", flat=True))
        assert sources == {"record", "reply", "fact"}

    def test_withheld_reply_is_indexed_without_its_letter(self, seed):
        from proposals.models import Reply

        reply = Reply.objects.get()
        reply.publication_mode = Reply.PublicationMode.WITHHELD
        reply.mode_reason = "涉及个人隐私"
        reply.save()
        document = SearchDocument.objects.get(source="reply", object_id=reply.pk)
        assert document.body_text == "" and "矣六街道" not in document.search_text
        assert document.record is None

    def test_draft_reply_is_not_indexed(self, seed):
        from proposals.models import Reply

        reply = Reply.objects.get()
        Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.DRAFT)
        reply.refresh_from_db()
        reply.save()
        assert not SearchDocument.objects.filter(source="reply").exists()

    def test_fact_follows_its_metric_name(self, seed):
        from communities.models import Fact

        fact = Fact.objects.select_related("metric").first()
        fact.metric.name = "麒麟指标"
        fact.metric.save()
        assert found("麒麟指标") >= {SearchDocument.objects.get(source="fact", object_id=fact.pk).title}


@pytest.mark.django_db
class TestRebuild:
    def test_command_rebuilds_after_bulk_writes(self):
        record = published("关于青鸾项目的通知")
        # update() bypasses signals: the index is stale until rebuilt.
        DisclosureRecord.objects.filter(pk=record.pk).update(title="关于鸿鹄项目的通知")
        assert found("鸿鹄") == set()
        out = StringIO()
        call_command("rebuild_search_index", stdout=out)
        assert "政府信息 1 条" in out.getvalue()
        assert found("鸿鹄") == {"关于鸿鹄项目的通知"} and found("青鸾") == set()

    def test_command_drops_drafts_and_withdrawn_rows(self):
        draft("关于草稿的通知")
        withdrawn = published("关于撤回的通知")
        DisclosureRecord.objects.filter(pk=withdrawn.pk).update(status=DisclosureRecord.Status.WITHDRAWN)
        call_command("rebuild_search_index", stdout=StringIO())
        assert not SearchDocument.objects.exists()

    def test_command_rejects_unknown_type(self):
        from django.core.management import CommandError

        with pytest.raises(CommandError, match="未知类型"):
            call_command("rebuild_search_index", "--type", "nope")

    def test_load_seed_indexes_everything(self, seed):
        from communities.models import Fact

        assert SearchDocument.objects.filter(source="record").count() == 1
        assert SearchDocument.objects.filter(source="reply").count() == 1
        assert SearchDocument.objects.filter(source="fact").count() == Fact.objects.public().count() > 0

    def test_rebuild_keeps_search_columns_identical_to_signal_path(self):
        record = published(
            "关于〔2018〕49号文件的解读",
            body="<p>社区、治理；Ｆｕｌｌ　ｗｉｄｔｈ</p>",
            document_number="昆办通〔2018〕49号",
        )
        before = SearchDocument.objects.values("title_tokens", "body_tokens", "search_title", "search_text").get()
        call_command("rebuild_search_index", stdout=StringIO())
        after = SearchDocument.objects.values("title_tokens", "body_tokens", "search_title", "search_text").get()
        assert before == after
        assert "昆办通201849号" in after["search_title"] and "fullwidth" in after["search_text"]
        assert record.get_absolute_url() == SearchDocument.objects.get().url


@pytest.mark.django_db
def test_benchmark_command_runs_and_keeps_nothing():
    out = StringIO()
    call_command("search_benchmark", rows=40, repeat=1, stdout=out)
    assert "40 条记录" in out.getvalue() and "治理试点" in out.getvalue()
    assert not DisclosureRecord.objects.exists() and not SearchDocument.objects.exists()
