import datetime as dt
import re

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

    # 上班 or 补班, not after a negation ("不上班", "非上班日", "停止上班", "无需上班").
    WORK_WORDS = re.compile(r"(?<![不非止需用])(?:上班|补班)")
    REST_WORDS = ("放假", "休息", "休假")
    # 政府信息公开条例 in force (2008-05-01): no case's clock is older.
    FIRST_DAY = dt.date(2008, 5, 1)

    def unique_error_message(self, model_class, unique_check):
        # Django's own ("具有 日期 的 工作日调整 已存在。") says neither which entry nor what to do.
        if unique_check == ("date",) and self.date:
            existing = WorkingDayOverride.objects.filter(date=self.date).first()
            if existing is not None:
                kind = "上班" if existing.is_workday else "休息"
                return ValidationError(
                    f"{chinese_date(self.date)}已有一条调整（{kind}，{existing.note}）。"
                    "一天只记一条：请在已有的那条上修改，不要重复录入。",
                    code="unique",
                )
        return super().unique_error_message(model_class, unique_check)

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
        errors = {}
        # "2027年春节" on 2026-02-08: the year typed in the date is last year's, a day whose
        # official answer the override would silently replace.
        # Not a full date: "国办发明电〔2026〕7号（2026年11月12日）" is the notice's own date,
        # always the year before the one it arranges.
        named = {int(year) for year in re.findall(r"(\d{4})年(?!\s*\d{1,2}\s*月\s*\d{1,2}\s*日)", self.note or "")}
        # A notice may start in the December before its year (元旦 and its 调休, as in 2008, 2019
        # and 2024): late December may name the next year.
        years = {self.date.year} if self.date else set()
        if self.date and (self.date.month, self.date.day) >= (12, 20):
            years.add(self.date.year + 1)
        if named and years and not years & named:
            errors["date"] = (
                f"日期是{self.date.year}年，说明写的是{'、'.join(f'{y}年' for y in sorted(named))}，请核对年份。"
            )
        # The box decides, so a note saying the opposite means it was left (un)ticked by mistake.
        works = bool(self.WORK_WORDS.search(self.note or ""))
        rests = any(word in (self.note or "") for word in self.REST_WORDS)
        if works and not rests and not self.is_workday:
            errors["is_workday"] = "说明写的是上班（调休补班），请勾选“工作日”；放假日则请修改说明。"
        elif rests and not works and self.is_workday:
            errors["is_workday"] = "说明写的是放假，请取消勾选“工作日”；调休上班日则请修改说明。"
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_workday else '休息'}（{self.note}）"


class WorkingDayYear(models.Model):
    """A year whose State Council holiday notice staff have entered in full as overrides: its
    other days are plain weekdays and weekends, exactly, before chinesecalendar knows the year
    (deadlines running into it stop being 暂定)."""

    FIRST_YEAR, LAST_YEAR = 2000, 2100
    year = models.PositiveIntegerField(
        "年度", unique=True, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    note = models.CharField("依据", max_length=200, help_text="如“国办发明电〔2026〕××号”。")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "已录入全年放假安排的年度"
        ordering = ["-year"]

    def clean(self):
        from .working_days import holidays_not_entered, year_is_known

        if not self.year or not self.FIRST_YEAR <= self.year <= self.LAST_YEAR:
            return  # the field's own validators say so beside it (clean runs after them anyway)
        if year_is_known(self.year):
            return  # chinesecalendar has the year's notice: nothing of it is guessed
        rest_days = WorkingDayOverride.objects.filter(date__year=self.year, is_workday=False).values_list(
            "date", flat=True
        )
        if missing := holidays_not_entered(self.year, list(rest_days)):
            raise ValidationError(
                {
                    "year": f"{self.year}年的放假安排尚未录入完整：没有{'、'.join(missing)}的放假日。"
                    "请先在“工作日调整”中逐日录入通知中的放假日（不勾选“工作日”）和调休上班日（勾选），再确认全年已录入。"
                }
            )

    def __str__(self):
        return f"{self.year}年（{self.note}）"
