"""社区治理: streets, communities, the programs that designate them, and figures quoted
from published disclosure records. Every figure keeps the exact sentence it was taken from;
a newer source adds a new Fact, so a metric's series over time is never overwritten."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from simple_history.models import HistoricalRecords

from core.site import site_settings
from core.vocabulary import Vocabulary
from disclosures.models import DisclosureRecord, published_q, withdrawn_after_public_q

from .citations import body_text
from .numbers import format_number, text_states_number


class Street(Vocabulary):
    """街道. The district has 8 (per the seed letter); only those a source names are loaded."""

    name = models.CharField("街道名称", max_length=50, unique=True, help_text="全称，如 太和街道。")
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "街道"
        ordering = ["position", "name"]

    def get_absolute_url(self):
        return reverse("communities:street_detail", args=[self.pk])


class CommunityManager(models.Manager):
    def get_by_natural_key(self, street_name, name):
        return self.get(street__name=street_name, name=name)


class Community(models.Model):
    """社区 (居民委员会), always within one street."""

    street = models.ForeignKey(Street, verbose_name="所属街道", on_delete=models.PROTECT, related_name="communities")
    name = models.CharField("社区名称", max_length=50, help_text="不含街道名，如 和平路社区。")
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    objects = CommunityManager()

    class Meta:
        verbose_name = verbose_name_plural = "社区"
        ordering = ["street__position", "street__name", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="community_unique_in_street")]

    def __str__(self):
        return f"{self.street.name}{self.name}"

    def natural_key(self):
        return (self.street.name, self.name)

    natural_key.dependencies = ["communities.street"]


class Level(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    MUNICIPAL = "municipal", "市级"
    DISTRICT = "district", "区级"


class Program(Vocabulary):
    """A kind of designation: 省级城乡社区治理(现代化)试点, 社区协商优秀点位 …"""

    natural_key_field = "slug"

    slug = models.SlugField("标识", unique=True, help_text="用于网址，英文小写和连字符，如 provincial-pilot。")
    name = models.CharField("名称", max_length=100, unique=True)
    level = models.CharField("层级", max_length=12, choices=Level.choices, blank=True)
    description = models.TextField("说明", blank=True)
    position = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "试点与点位项目"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("communities:program_detail", args=[self.slug])


class SourcedQuerySet(models.QuerySet):
    def public(self, at=None):
        """Only rows quoted from records the public can read (not draft, scheduled or withdrawn)."""
        return self.filter(published_q("source_record__", at=at))

    def public_or_withdrawn(self):
        """Rows public now or until their source was withdrawn: what dates a page (its source's
        withdrawal changed it), never what it shows."""
        return self.filter(published_q("source_record__") | withdrawn_after_public_q("source_record__"))


class Sourced(models.Model):
    """A statement quoted from a disclosure record, with the exact sentence it comes from."""

    source_record = models.ForeignKey(
        DisclosureRecord,
        verbose_name="来源记录",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="来源记录未发布（草稿、定时、撤回）时，本条不在任何页面和下载中出现。",
    )
    sentence = models.TextField(
        "原文语句", help_text="从来源记录正文中逐字复制的一句话（含数字和标点），用于核对并在原文中高亮定位。"
    )

    anchor_prefix = "cite"

    class Meta:
        abstract = True

    def clean_source(self, errors, *, must_contain=()):
        if not self.source_record_id or not self.sentence:
            return
        self.sentence = self.sentence.strip()
        if self.sentence not in body_text(self.source_record.body):
            errors["sentence"] = "原文语句须与来源记录正文逐字一致（含标点），未在正文中找到。"
            return
        for label, text in must_contain:
            if text and text not in self.sentence:
                errors.setdefault("sentence", f"原文语句中没有{label}“{text}”。")

    @property
    def anchor(self) -> str:
        return f"{self.anchor_prefix}-{self.pk}"

    @property
    def source_url(self) -> str:
        """The record page, with this sentence highlighted and scrolled to."""
        query = urlencode({"cite": self.anchor})
        return f"{self.source_record.get_absolute_url()}?{query}#{self.anchor}"


class DesignationManager(models.Manager.from_queryset(SourcedQuerySet)):
    def get_by_natural_key(self, program_slug, street_name, community_name):
        return self.get(program__slug=program_slug, community__street__name=street_name, community__name=community_name)


class Designation(Sourced):
    """A community named in a program, e.g. 第三批省级城乡社区治理现代化试点 (2023年)."""

    program = models.ForeignKey(Program, verbose_name="项目", on_delete=models.PROTECT, related_name="designations")
    community = models.ForeignKey(Community, verbose_name="社区", on_delete=models.PROTECT, related_name="designations")
    title = models.CharField(
        "来文中的称谓", max_length=100, blank=True, help_text="来文对该批次的称呼，如 省级城乡社区治理现代化试点。"
    )
    level = models.CharField("层级", max_length=12, choices=Level.choices, blank=True, help_text="留空则同项目层级。")
    batch_first = models.PositiveSmallIntegerField(
        "批次（起）",
        null=True,
        blank=True,
        help_text="来文只说“前两批”而未分列时，填 1 和 2；不分批次的项目留空。",
    )
    batch_last = models.PositiveSmallIntegerField(
        "批次（止）", null=True, blank=True, help_text="单一批次时与“起”相同。"
    )
    year = models.PositiveSmallIntegerField("年份", null=True, blank=True)
    period = models.CharField("时间（来文表述）", max_length=50, blank=True, help_text="如 2020年以来、2023年。")
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords()

    objects = DesignationManager()
    anchor_prefix = "designation"

    class Meta:
        verbose_name = verbose_name_plural = "试点与点位认定"
        ordering = [
            "program__position",
            "batch_first",
            "batch_last",
            "community__street__position",
            "community__street__name",
            "community__position",
            "community__name",
        ]
        constraints = [
            models.UniqueConstraint(fields=["program", "community"], name="designation_once_per_program"),
            models.CheckConstraint(
                condition=Q(batch_first__isnull=True, batch_last__isnull=True)
                | Q(batch_first__isnull=False, batch_last__isnull=False, batch_first__lte=models.F("batch_last")),
                name="designation_batch_range",
            ),
        ]

    def __str__(self):
        return f"{self.community}：{self.batch_label}{self.program.name}"

    def natural_key(self):
        return (self.program.slug, *self.community.natural_key())

    natural_key.dependencies = ["communities.program", "communities.community", "disclosures.disclosurerecord"]

    @property
    def batch_label(self) -> str:
        if self.batch_first is None:
            return ""
        if self.batch_first == self.batch_last:
            return f"第{self.batch_first}批"
        return f"第{self.batch_first}—{self.batch_last}批"

    @property
    def effective_level(self) -> str:
        return self.get_level_display() if self.level else self.program.get_level_display()

    def clean(self):
        errors = {}
        if self.batch_first is not None and self.batch_last is None:
            self.batch_last = self.batch_first
        if (self.batch_first is None) != (self.batch_last is None) or (
            self.batch_first is not None and self.batch_first > self.batch_last
        ):
            errors["batch_last"] = "批次（止）须填写且不小于批次（起）。"
        community_name = self.community.name if self.community_id else ""
        self.clean_source(errors, must_contain=[("社区名称", community_name)])
        if errors:
            raise ValidationError(errors)


class Metric(Vocabulary):
    """A staff-editable measure: 社区数, 社区协商活动次数, 月薪下限 …"""

    natural_key_field = "slug"

    slug = models.SlugField("标识", unique=True, help_text="用于网址和数据下载，英文小写和连字符；确定后请勿随意修改。")
    name = models.CharField("指标名称", max_length=100, unique=True)
    unit = models.CharField("默认单位", max_length=20, help_text="如 个、次、项、人、元/月、万元、%。")
    description = models.TextField("说明", blank=True)
    position = models.PositiveIntegerField("排序", default=0)
    headline_position = models.PositiveSmallIntegerField(
        "总览页位置", null=True, blank=True, help_text="填写后在“社区治理”总览页作为主要数字展示，数字小者在前。"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "统计指标"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("communities:metric_detail", args=[self.slug])


class FactQuerySet(SourcedQuerySet):
    def for_display(self):
        return self.select_related("metric", "source_record", "street", "community__street")


class FactManager(models.Manager.from_queryset(FactQuerySet)):
    def get_by_natural_key(self, index_number, metric_slug, category, period, street_name, community_name):
        lookup = {
            "source_record__index_number": index_number,
            "metric__slug": metric_slug,
            "category": category,
            "period": period,
        }
        if community_name:
            lookup.update(community__street__name=street_name, community__name=community_name)
        elif street_name:
            lookup.update(street__name=street_name, community__isnull=True)
        else:
            lookup.update(street__isnull=True, community__isnull=True)
        return self.get(**lookup)


class Fact(Sourced):
    """One figure as a source states it, for one period and one scope."""

    class Scope(models.TextChoices):
        DISTRICT = "district", "全区"
        STREET = "street", "街道"
        COMMUNITY = "community", "社区"

    class Approximation(models.TextChoices):
        EXACT = "", "准确数"
        NEARLY = "nearly", "近（略少于）"
        OVER = "over", "多（略多于）"

    metric = models.ForeignKey(Metric, verbose_name="指标", on_delete=models.PROTECT, related_name="facts")
    category = models.CharField("分项", max_length=50, blank=True, help_text="如 初级、中级；合计或不分项时留空。")
    value = models.DecimalField(
        "数值", max_digits=18, decimal_places=4, validators=[MinValueValidator(Decimal(0), "数值不能为负数。")]
    )
    unit = models.CharField("单位", max_length=20, blank=True, help_text="留空则使用指标的默认单位。")
    approximation = models.CharField(
        "约数",
        max_length=8,
        choices=Approximation.choices,
        default=Approximation.EXACT,
        blank=True,
        help_text="来文写“近40万元”选“近”，写“130多名”选“多”。",
    )
    figure_text = models.CharField(
        "原文数字", max_length=50, help_text="原文中表述该数字的片段，如 473次、近40万元、四档；须出现在原文语句中。"
    )
    period = models.CharField("时期（来文表述）", max_length=50, help_text="如 截至2022年底、2020年以来、2023年。")
    period_end = models.DateField("时期截止日", help_text="用于按时间排序：截至2022年底 → 2022-12-31。")
    scope = models.CharField("范围", max_length=10, choices=Scope.choices, default=Scope.DISTRICT)
    street = models.ForeignKey(
        Street,
        verbose_name="街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facts",
        help_text="范围为“街道”时填写。",
    )
    community = models.ForeignKey(
        Community,
        verbose_name="社区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facts",
        help_text="范围为“社区”时填写。",
    )
    position = models.PositiveIntegerField("排序", default=0, help_text="同一指标下分项的先后。")
    history = HistoricalRecords()

    objects = FactManager()
    anchor_prefix = "fact"

    class Meta:
        verbose_name = verbose_name_plural = "统计数据"
        ordering = ["metric__position", "metric__name", "period_end", "position", "category", "id"]
        indexes = [models.Index(fields=["metric", "period_end"], name="fact_metric_series")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="district", street__isnull=True, community__isnull=True)
                | Q(scope="street", street__isnull=False, community__isnull=True)
                | Q(scope="community", street__isnull=True, community__isnull=False),
                name="fact_scope_matches_place",
            ),
            models.UniqueConstraint(
                fields=["source_record", "metric", "category", "period"],
                condition=Q(scope="district"),
                name="fact_once_per_source_district",
            ),
            models.UniqueConstraint(
                fields=["source_record", "metric", "category", "period", "street"],
                condition=Q(scope="street"),
                name="fact_once_per_source_street",
            ),
            models.UniqueConstraint(
                fields=["source_record", "metric", "category", "period", "community"],
                condition=Q(scope="community"),
                name="fact_once_per_source_community",
            ),
        ]

    def __str__(self):
        return f"{self.metric.name}{f'（{self.category}）' if self.category else ''}：{self.display_value}（{self.period}）"

    def natural_key(self):
        street = community = ""
        if self.community_id:
            street, community = self.community.natural_key()
        elif self.street_id:
            street = self.street.name
        return (self.source_record.index_number, self.metric.slug, self.category, self.period, street, community)

    natural_key.dependencies = [
        "communities.metric",
        "communities.street",
        "communities.community",
        "disclosures.disclosurerecord",
    ]

    @property
    def number(self) -> str:
        return format_number(self.value)

    @property
    def display_value(self) -> str:
        """As a reader would say it: 近8000万元, 130多名, 4300元/月."""
        prefix = "近" if self.approximation == self.Approximation.NEARLY else ""
        suffix = "多" if self.approximation == self.Approximation.OVER else ""
        return f"{prefix}{self.number}{suffix}{self.unit}"

    @property
    def label(self) -> str:
        return f"{self.metric.name}（{self.category}）" if self.category else self.metric.name

    @property
    def place(self):
        return self.community or self.street

    @property
    def scope_label(self) -> str:
        if self.place:
            return str(self.place)
        # The district is the site's (网站设置 › 本区名称), not the one the seed came from.
        district = site_settings().district_name
        return f"{district}（全区）" if district else self.Scope.DISTRICT.label

    def clean(self):
        errors = {}
        if not self.unit and self.metric_id:
            self.unit = self.metric.unit
        if self.scope == self.Scope.DISTRICT and (self.street_id or self.community_id):
            errors["scope"] = "范围为“全区”时，街道和社区须留空。"
        elif self.scope == self.Scope.STREET and (not self.street_id or self.community_id):
            errors["street"] = "范围为“街道”时须选择街道，社区留空。"
        elif self.scope == self.Scope.COMMUNITY and (not self.community_id or self.street_id):
            errors["community"] = "范围为“社区”时须选择社区，街道留空。"
        if self.figure_text and self.value is not None and not text_states_number(self.figure_text, self.value):
            errors["figure_text"] = f"原文数字“{self.figure_text}”中没有数值 {format_number(self.value)}。"
        self.clean_source(errors, must_contain=[("原文数字", self.figure_text)])
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.unit and self.metric_id:
            self.unit = self.metric.unit
        super().save(*args, **kwargs)
