from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from disclosures.models import DisclosureRecord, Genre, Topic


class StatutoryColumn(models.Model):
    """法定主动公开内容: one column of the tree (条例 Art. 20's items, Art. 21's 县级 items, and
    any staff add), listing the records it is mapped to by 主题分类, 体裁 or explicit choice."""

    class Kind(models.TextChoices):
        # 国办秘函〔2019〕19号: 动态 updated within 2 weeks, 通知公告/政策文件 within 6 months.
        DYNAMIC = "dynamic", "动态、要闻类"
        NOTICE = "notice", "通知公告类"
        POLICY = "policy", "政策文件类"
        OTHER = "other", "其他"

    name = models.CharField("栏目名称", max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name="上级栏目", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField("排序", default=0)
    basis = models.CharField("依据", max_length=100, blank=True, help_text="如 条例第二十条第（一）项。")
    kind = models.CharField(
        "栏目类型",
        max_length=10,
        choices=Kind.choices,
        default=Kind.OTHER,
        help_text="网站自查按类型检查更新时限（settings.SELF_CHECK_UPDATE_DAYS）。",
    )
    topics = models.ManyToManyField(Topic, verbose_name="按主题分类收录", blank=True)
    genres = models.ManyToManyField(Genre, verbose_name="按体裁收录", blank=True)
    records = models.ManyToManyField(
        DisclosureRecord, verbose_name="另行指定的记录", blank=True, related_name="statutory_columns"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "法定主动公开内容栏目"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="statutorycolumn_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": "上级栏目不能是本栏目或其下级栏目。"})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def record_filter(self) -> Q:
        """Which records this column lists (an always-false filter when it is mapped to nothing)."""
        query = Q(pk__in=[])
        topic_ids = [t.pk for t in self.topics.all()]
        genre_ids = [g.pk for g in self.genres.all()]
        if topic_ids:
            query |= Q(topic__in=topic_ids)
        if genre_ids:
            query |= Q(genre__in=genre_ids)
        return query | Q(pk__in=self.records.values("pk"))
