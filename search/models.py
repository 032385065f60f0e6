from django.db import models
from django.utils import timezone


class SearchDocumentQuerySet(models.QuerySet):
    def public(self, at=None):
        """Documents the public may see now.

        Scheduled items are indexed ahead of time and become visible when their time comes,
        without any save, so visibility is decided here, at query time."""
        return self.filter(published_at__isnull=False, published_at__lte=at or timezone.now())


class SearchDocument(models.Model):
    """One row per indexed item (a record, a proposal reply, a governance fact), kept in
    sync by search.services; the derived token columns are never edited by hand."""

    source = models.CharField("类型", max_length=20)
    object_id = models.PositiveBigIntegerField("对象编号")
    title = models.CharField("标题", max_length=500)
    url = models.CharField("地址", max_length=500)
    # Labelled short fields weighted like the title (文号, 索引号, 提案号 …): [[label, value], …].
    fields = models.JSONField("编号字段", default=list, blank=True)
    # Labelled body-weight fields (关键字, 内容概述 …) and the plain-text body, for snippets.
    extra = models.JSONField("其他字段", default=list, blank=True)
    body_text = models.TextField("正文文本", blank=True)
    # Indexed with their dates (Meta.indexes), which also serves the foreign key's lookups.
    publisher = models.ForeignKey(
        "disclosures.Organization",
        verbose_name="发布机构",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    topic = models.ForeignKey(
        "disclosures.Topic",
        verbose_name="主题分类",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    validity = models.CharField("有效性", max_length=10, blank=True)
    # The disclosure record that carries the item (itself, the reply letter, a fact's source);
    # deleting the record removes its documents.
    record = models.ForeignKey(
        "disclosures.DisclosureRecord",
        verbose_name="所属记录",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间")
    year = models.PositiveSmallIntegerField("年份")
    title_tokens = models.TextField(blank=True)
    # The `extra` fields' tokens, ranked between the title and the body (migration 0005).
    keyword_tokens = models.TextField(blank=True, default="")
    body_tokens = models.TextField(blank=True)
    search_title = models.TextField(blank=True)
    search_text = models.TextField(blank=True)
    indexed_at = models.DateTimeField("索引时间", auto_now=True)

    objects = SearchDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检索索引"
        constraints = [models.UniqueConstraint(fields=["source", "object_id"], name="search_document_unique_item")]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="search_document_date"),
            # A type's matches newest first (答复 and 数据 are 1–2 % of the documents): walked
            # along their own dates, not a hundred other documents read per hit.
            models.Index(fields=["source", "-published_at", "-id"], name="search_document_source_date"),
            # Likewise a publisher's or a topic's (each 2–5 % of the documents): 社区 with one
            # publisher chosen walked everyone's dates for its 100 newest title hits, 42,800
            # rows and 185,000 buffers at a million records.
            models.Index(fields=["publisher", "-published_at", "-id"], name="search_document_publisher_date"),
            models.Index(fields=["topic", "-published_at", "-id"], name="search_document_topic_date"),
            # A rare 有效性 (失效, 废止) beside a common word: found here, not by reading every match.
            models.Index(fields=["validity"], name="search_document_validity"),
        ]

    def __str__(self):
        return self.title
