from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from disclosures.editor import RichTextField
from disclosures.models import DisclosureRecord, Organization
from disclosures.sanitize import alt_text_errors, rich_text_errors, sanitize_html

from .tables import NOT_APPLICABLE, REVIEW_KINDS, REVIEW_RESULTS

RICH_TEXT_FIELDS = ("overview", "problems", "other_matters")
# Table 二's staff-entered figures: (value field, not-applicable flag).
ENTERED_FIELDS = {
    "licences": "licences_na",
    "penalties": "penalties_na",
    "enforcement": "enforcement_na",
    "fees": "fees_na",
}


class AnnualReport(models.Model):
    """政府信息公开工作年度报告 of one agency (or the district's consolidated report) for a year.
    Tables 三 and 四 are computed; what was published is kept in `tables` as it was then."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    organization = models.ForeignKey(
        Organization, verbose_name="公开单位", on_delete=models.PROTECT, related_name="annual_reports"
    )
    FIRST_YEAR = 2008  # 政府信息公开条例 in force from 1 May 2008
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)])
    consolidated = models.BooleanField(
        "汇总年报", default=False, help_text="本级政府汇总本级及所属部门、街道的年报（3月31日前公布）。"
    )
    overview = RichTextField("一、总体情况", blank=True)
    problems = RichTextField("五、存在的主要问题及改进情况", blank=True)
    other_matters = RichTextField("六、其他需要报告的事项", blank=True)
    licences = models.PositiveIntegerField(
        "行政许可：本年处理决定数量", null=True, blank=True, help_text="没有发生填 0；留空表示尚未填写。"
    )
    licences_na = models.BooleanField("行政许可：不适用", default=False)
    penalties = models.PositiveIntegerField("行政处罚：本年处理决定数量", null=True, blank=True)
    penalties_na = models.BooleanField("行政处罚：不适用", default=False)
    enforcement = models.PositiveIntegerField("行政强制：本年处理决定数量", null=True, blank=True)
    enforcement_na = models.BooleanField("行政强制：不适用", default=False)
    fees = models.DecimalField(
        "行政事业性收费：本年收费金额（万元）",
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fees_na = models.BooleanField("行政事业性收费：不适用", default=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_demo = models.BooleanField("演示数据", default=False, editable=False)
    tables = models.JSONField("发布时的表格", default=dict, blank=True, editable=False)
    record = models.OneToOneField(
        DisclosureRecord,
        verbose_name="公开记录",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="annual_report",
    )
    override_reason = models.TextField("未通过勾稽校验仍发布的理由", blank=True, editable=False)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "政府信息公开年报"
        ordering = ["-year", "organization__name"]
        permissions = [("publish_annualreport", "可以发布年报（含未通过勾稽校验时说明理由发布）")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "consolidated"], name="annualreport_unique")
        ]

    def __str__(self):
        return (
            f"{self.organization.name}{self.year}年政府信息公开工作年度报告{'（汇总）' if self.consolidated else ''}"
            f"{'（演示数据）' if self.is_demo else ''}"
        )

    @property
    def title(self):
        return str(self)

    def get_absolute_url(self):
        name = "annualreports:consolidated" if self.consolidated else "annualreports:report"
        return reverse(name, args=[self.organization.section_code, self.year])

    def entered(self, name):
        """A table 二 figure: None (not entered), NOT_APPLICABLE, or the number."""
        if getattr(self, ENTERED_FIELDS[name]):
            return NOT_APPLICABLE
        return getattr(self, name)

    def clean(self):
        # The sections exist to be published: each image needs its alt text from the start.
        errors = alt_text_errors(self, *RICH_TEXT_FIELDS) | rich_text_errors(self, *RICH_TEXT_FIELDS)
        for name, flag in ENTERED_FIELDS.items():
            if getattr(self, flag) and getattr(self, name) is not None:
                errors[name] = "已标为不适用的项目不能同时填写数字：请清空数字或取消“不适用”。"
        if self.year and self.year > timezone.localdate().year:
            errors["year"] = f"年度不能晚于今年（{timezone.localdate().year}年）。"
        if self.consolidated and self.organization_id and not self.organization.children.exists():
            errors["consolidated"] = "只有有所属部门或街道的本级政府才编制汇总年报。"
        if self.organization_id and not self.organization.section_code:
            errors["organization"] = "该机构没有公开专栏代码（机构的“公开专栏代码”），年报无法在平台上公布。"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        for name in RICH_TEXT_FIELDS:
            setattr(self, name, sanitize_html(getattr(self, name)))
        super().save(*args, **kwargs)


class ReviewCase(models.Model):
    """A 行政复议 or 行政诉讼 case about 政府信息公开 (one row of table 四's counts)."""

    report = models.ForeignKey(AnnualReport, verbose_name="年报", on_delete=models.CASCADE, related_name="review_cases")
    kind = models.CharField("类别", max_length=20, choices=REVIEW_KINDS)
    result = models.CharField("结果", max_length=10, choices=REVIEW_RESULTS)
    reference = models.CharField("案号或说明", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "行政复议、行政诉讼案件"
        ordering = ["kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.get_result_display()} {self.reference}".strip()
