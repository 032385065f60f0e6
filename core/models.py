import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .dates import chinese_date


class WorkingDayOverride(models.Model):
    """A day the State Council's notice (or a local decision) makes a working day or a rest day,
    for years chinesecalendar does not know yet or to correct it. Read before chinesecalendar."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日", help_text="勾选：上班（如调休补班）；不勾选：休息（如法定节假日）。")
    note = models.CharField("说明", max_length=200, help_text="如“2032年春节”或通知文号。")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "工作日调整"
        ordering = ["-date"]

    # 政府信息公开条例 in force (2008-05-01): no case's clock is older.
    FIRST_DAY = dt.date(2008, 5, 1)

    def clean(self):
        # A notice covers next year at the latest: 2062 for 2026 would be saved for a day no
        # case reaches, and the change staff meant never made.
        last = dt.date(timezone.localdate().year + 1, 12, 31)
        if self.date and not self.FIRST_DAY <= self.date <= last:
            raise ValidationError(
                {
                    "date": f"日期应在{chinese_date(self.FIRST_DAY)}至{chinese_date(last)}之间（最远录入明年的放假安排），请核对年份。"
                }
            )

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_workday else '休息'}（{self.note}）"


class WorkingDayYear(models.Model):
    """A year whose State Council holiday notice staff have entered in full as overrides: its
    other days are plain weekdays and weekends, exactly, before chinesecalendar knows the year
    (deadlines running into it stop being 暂定)."""

    year = models.PositiveIntegerField(
        "年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    note = models.CharField("依据", max_length=200, help_text="如“国办发明电〔2026〕××号”。")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "已录入全年放假安排的年度"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年（{self.note}）"
