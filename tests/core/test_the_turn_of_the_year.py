"""Entering next year's State Council holiday notice in December, before chinesecalendar knows
the year: the mistakes staff make (a year confirmed with 春节 missing, last year's date typed, a
调休 Saturday left unticked) are refused or named, never saved silently wrong. The year is the
first one chinesecalendar does not know, the clock pinned to its December before."""

import datetime as dt

import chinese_calendar
import pytest
import time_machine
from django.core.exceptions import ValidationError

from core import holiday_entry
from core.models import WorkingDayOverride, WorkingDayYear
from core.working_days import holidays_not_entered, year_is_known
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
D = dt.date


def _unknown(year):
    try:
        chinese_calendar.is_workday(D(year, 7, 1))
    except NotImplementedError:
        return True
    return False


YEAR = next(year for year in range(2026, 2100) if _unknown(year))


@pytest.fixture(autouse=True)
def december_before():
    # 10:00 in Beijing, 02:00 UTC: the same Beijing day whatever hour CI runs at.
    with time_machine.travel(dt.datetime(YEAR - 1, 12, 6, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def rest(month, day, note="放假"):
    return WorkingDayOverride.objects.create(date=D(YEAR, month, day), is_workday=False, note=f"{YEAR}年{note}")


def test_a_year_cannot_be_confirmed_entered_in_full_with_its_holidays_missing():
    rest(1, 1, "元旦")
    if D(YEAR, 1, 1).weekday() >= 5:  # its weekday 补休 too (the next test)
        rest(1, 8 - D(YEAR, 1, 1).weekday(), "元旦")
    year = WorkingDayYear(year=YEAR, note="国办发明电（测试）")
    with pytest.raises(ValidationError) as refused:
        year.full_clean()
    message = refused.value.message_dict["year"][0]
    assert all(name in message for name in ("春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"))
    # The notice entered, a rest day in each holiday's window: the year may be confirmed.
    for month, day, name in [(2, 8, "春节"), (4, 5, "清明节"), (5, 3, "劳动节"), (6, 9, "端午节"), (9, 15, "中秋节")]:
        rest(month, day, name)
    with pytest.raises(ValidationError) as refused:
        year.full_clean()
    assert refused.value.message_dict["year"][0].count("节") == 1 and "国庆节" in refused.value.message_dict["year"][0]
    rest(10, 4, "国庆节")
    year.full_clean()


def test_a_new_years_day_on_a_weekend_needs_its_weekday_made_up():
    """1 January on a Saturday or Sunday gives a weekday off (the Monday): a year entered
    without it counted that Monday as a working day, exactly."""
    others = [D(2028, 2, 1), D(2028, 4, 4), D(2028, 5, 1), D(2028, 5, 29), D(2028, 10, 3), D(2028, 10, 8)]
    assert D(2028, 1, 1).weekday() == 5
    assert holidays_not_entered(2028, [D(2028, 1, 1), *others]) == ["元旦补休"]
    assert holidays_not_entered(2028, [D(2028, 1, 1), D(2028, 1, 3), *others]) == []
    assert (
        holidays_not_entered(
            2029, [D(2029, 2, 13), D(2029, 4, 4), D(2029, 5, 1), D(2029, 6, 18), D(2029, 9, 24), D(2029, 10, 3)]
        )
        == []
    )


def test_every_year_chinesecalendar_knows_passes_the_check_with_its_own_holidays():
    """The checks hold for the notices as issued (2008 on): nothing they ask for is made up."""
    year = 2008
    while year_is_known(year):
        named = [
            D(year, 1, 1) + dt.timedelta(days=n)
            for n in range(366)
            if (D(year, 1, 1) + dt.timedelta(days=n)).year == year
            and chinese_calendar.get_holiday_detail(D(year, 1, 1) + dt.timedelta(days=n))[1] is not None
            and not chinese_calendar.is_workday(D(year, 1, 1) + dt.timedelta(days=n))
        ]
        assert holidays_not_entered(year, named) == [], year
        year += 1
    assert year > 2025


def test_a_date_in_another_year_than_its_note_names_is_refused():
    override = WorkingDayOverride(date=D(YEAR - 1, 2, 8), is_workday=False, note=f"{YEAR}年春节")
    with pytest.raises(ValidationError) as refused:
        override.full_clean()
    assert "请核对年份" in refused.value.message_dict["date"][0]
    WorkingDayOverride(date=D(YEAR, 2, 8), is_workday=False, note=f"{YEAR}年春节").full_clean()
    WorkingDayOverride(date=D(YEAR, 2, 8), is_workday=False, note="国办发明电〔2026〕7号").full_clean()


def test_a_note_citing_the_notices_own_date_is_not_taken_for_the_year_it_arranges():
    """The State Council publishes a year's notice the year before: its date in the note
    refused every day of it."""
    note = f"国办发明电〔{YEAR - 1}〕7号（{YEAR - 1}年11月12日）春节放假"
    WorkingDayOverride(date=D(YEAR, 2, 8), is_workday=False, note=note).full_clean()
    with pytest.raises(ValidationError):  # a year named as the holiday's is still checked
        WorkingDayOverride(date=D(YEAR, 2, 8), is_workday=False, note=f"{YEAR - 1}年春节放假").full_clean()


def test_a_forgotten_mid_autumn_is_named_though_the_national_day_is_entered():
    """中秋's window held 国庆's: any 国庆 rest day passed for a 中秋 left out."""
    for month, day, name in [(2, 8, "春节"), (4, 5, "清明节"), (5, 3, "劳动节"), (6, 9, "端午节")]:
        rest(month, day, name)
    for day in range(1, 8):
        rest(10, day, "国庆节")
    year = WorkingDayYear(year=YEAR, note="国办发明电（测试）")
    with pytest.raises(ValidationError) as refused:
        year.full_clean()
    assert "中秋节" in refused.value.message_dict["year"][0]
    rest(10, 8, "中秋节、国庆节")  # joined to 国庆, 中秋 adds its eighth day
    year.full_clean()


def test_the_notices_own_words_pass_where_they_are_right():
    """Refused before: a December day of next year's notice (元旦 and its 调休 start in December
    some years), and a rest day whose note says it is no working day."""
    WorkingDayOverride(
        date=D(YEAR - 1, 12, 29), is_workday=True, note=f"国务院办公厅关于{YEAR}年部分节假日安排的通知：元旦调休上班"
    ).full_clean()
    WorkingDayOverride(date=D(YEAR - 1, 12, 31), is_workday=False, note=f"{YEAR}年元旦放假").full_clean()
    for note in ("春节假期，不上班", "春节假期（非上班日）", "五一假期调休，停止上班"):
        WorkingDayOverride(date=D(YEAR, 2, 9), is_workday=False, note=note).full_clean()
    with pytest.raises(ValidationError):  # early December is not next year's
        WorkingDayOverride(date=D(YEAR - 1, 12, 10), is_workday=False, note=f"{YEAR}年元旦放假").full_clean()


def test_a_note_saying_the_opposite_of_the_box_is_refused():
    saturday = next(D(YEAR, 2, day) for day in range(14, 21) if D(YEAR, 2, day).weekday() == 5)
    with pytest.raises(ValidationError) as refused:
        WorkingDayOverride(date=saturday, is_workday=False, note=f"{YEAR}年春节调休上班").full_clean()
    assert "请勾选“工作日”" in refused.value.message_dict["is_workday"][0]
    with pytest.raises(ValidationError) as refused:
        WorkingDayOverride(date=D(YEAR, 2, 8), is_workday=True, note=f"{YEAR}年春节放假").full_clean()
    assert "取消勾选" in refused.value.message_dict["is_workday"][0]
    WorkingDayOverride(date=saturday, is_workday=True, note=f"{YEAR}年春节调休上班").full_clean()


def test_an_override_that_changes_nothing_is_named_in_the_admin(client, admin_user):
    sign_in_staff(client, admin_user)
    saturday = next(D(YEAR, 2, day) for day in range(14, 21) if D(YEAR, 2, day).weekday() == 5)
    page = client.post(
        "/admin/core/workingdayoverride/add/",
        {"date": saturday.isoformat(), "note": f"{YEAR}年春节"},
        follow=True,
    )
    assert WorkingDayOverride.objects.filter(date=saturday).exists()
    assert "本来就是休息日，这条调整不改变任何期限" in page.content.decode()
    # Not advice to leave it out: confirming the year looks for each holiday's days.
    assert "节假日中的周末照常录入" in page.content.decode()
    page = client.post(
        "/admin/core/workingdayoverride/add/", {"date": f"{YEAR}-02-09", "note": f"{YEAR}年春节"}, follow=True
    )
    assert "不改变任何期限" not in page.content.decode()


def test_a_day_entered_twice_names_the_entry_it_already_has(client, admin_user):
    WorkingDayOverride.objects.create(date=D(YEAR, 2, 9), is_workday=False, note=f"{YEAR}年春节")
    sign_in_staff(client, admin_user)
    page = client.post("/admin/core/workingdayoverride/add/", {"date": f"{YEAR}-02-09", "note": f"{YEAR}年春节放假"})
    assert page.status_code == 200  # the form again, with what was typed
    text = page.content.decode()
    assert f"{YEAR}年2月9日已有一条调整（休息，{YEAR}年春节）" in text and "请在已有的那条上修改" in text
    assert f"{YEAR}年春节放假" in text
    assert WorkingDayOverride.objects.filter(date=D(YEAR, 2, 9)).count() == 1


def test_the_year_form_says_what_confirming_a_year_does(client, admin_user):
    sign_in_staff(client, admin_user)
    page = client.get("/admin/core/workingdayyear/add/").content.decode()
    assert "期限不再标注“暂定”" in page and "逐日录入" in page


WEEKDAYS = "一二三四五六日"
NOTICE = f"""
{YEAR}-01-01 放假 元旦
{YEAR}-02-06 至 {YEAR}-02-12 放假 春节
{YEAR}年2月13日（星期{WEEKDAYS[D(YEAR, 2, 13).weekday()]}） 上班 春节调休
"""


def test_a_whole_notice_is_entered_in_one_form(client, admin_user):
    """Some thirty days a year were entered one admin form each."""
    sign_in_staff(client, admin_user)
    assert "按通知录入放假安排" in client.get("/admin/core/workingdayoverride/").content.decode()
    page = client.post("/admin/core/workingdayoverride/notice/", {"text": NOTICE}, follow=True)
    assert "已录入9天的放假安排" in page.content.decode()
    days = dict(WorkingDayOverride.objects.values_list("date", "is_workday"))
    assert len(days) == 9 and days[D(YEAR, 2, 6)] is False and days[D(YEAR, 2, 13)] is True
    assert WorkingDayOverride.objects.get(date=D(YEAR, 2, 13)).note == "春节调休（上班）"


def test_a_run_written_as_the_notice_writes_it_is_every_day_of_it(client, admin_user):
    """ "2月6日至13日" (no year or month at the end) was saved as 2月6日 alone, and the year could
    then be confirmed with a week of holiday counted as working days."""
    sign_in_staff(client, admin_user)
    text = f"{YEAR}年2月6日至2月13日 放假 春节\n{YEAR}年4月4日至6日 放假 清明节\n{YEAR}/5/1-{YEAR}/5/5 放假 劳动节\n"
    page = client.post("/admin/core/workingdayoverride/notice/", {"text": text}, follow=True)
    html = page.content.decode()
    assert WorkingDayOverride.objects.count() == 8 + 3 + 5
    assert f"{YEAR}-02-06至{YEAR}-02-13放假（8天）、{YEAR}-04-04至{YEAR}-04-06放假（3天）" in html
    # A list of days it cannot read as a run is refused, not read as its first day.
    page = client.post("/admin/core/workingdayoverride/notice/", {"text": f"{YEAR}-10-01、02 放假 国庆节"})
    assert "第1行" in page.content.decode() and "无法识别" in page.content.decode()
    assert not WorkingDayOverride.objects.filter(date__month=10).exists()


def test_a_weekday_that_is_not_the_dates_own_is_named():
    saturday = next(D(YEAR, 2, day) for day in range(7, 14) if D(YEAR, 2, day).weekday() == 5)
    days, errors = holiday_entry.read_notice(f"{saturday:%Y年%m月%d日}（星期日） 上班 春节调休")
    assert days == [] and errors == [f"第1行：{saturday:%Y-%m-%d}是星期六，不是星期日，请核对日期。"]
    days, errors = holiday_entry.read_notice(f"{saturday:%Y年%m月%d日}（周六）上班 春节调休")
    assert errors == [] and [d.date for d in days] == [saturday]


def test_a_notice_with_any_wrong_line_saves_nothing_and_keeps_the_text(client, admin_user):
    sign_in_staff(client, admin_user)
    WorkingDayOverride.objects.create(date=D(YEAR, 1, 1), is_workday=False, note="元旦")
    text = (
        NOTICE + f"{YEAR}-02-30 放假 春节\n二月六日放假\n{YEAR}-05-01 上班 {YEAR - 1}年劳动节\n9999-12-31 放假 某节\n"
    )
    page = client.post("/admin/core/workingdayoverride/notice/", {"text": text})
    html = page.content.decode()
    assert page.status_code == 200 and WorkingDayOverride.objects.count() == 1
    assert f"第2行（{YEAR}-01-01）：{YEAR}年1月1日已有一条调整" in html
    assert "第5行：日期不存在" in html and "第6行“二月六日放假”无法识别" in html
    assert f"第7行（{YEAR}-05-01）：日期是{YEAR}年，说明写的是{YEAR - 1}年" in html
    assert "第8行（9999-12-31）：日期应在" in html  # the last day there is: no 500
    assert f"{YEAR}-02-06 至 {YEAR}-02-12 放假 春节" in html  # what was typed is kept


def test_the_year_list_counts_each_years_entered_days_in_its_own_query(client, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in_staff(client, admin_user)
    WorkingDayYear.objects.bulk_create([WorkingDayYear(year=YEAR, note="通知"), WorkingDayYear(year=2020, note="通知")])
    rest(2, 8, "春节")
    rest(2, 9, "春节")
    WorkingDayOverride.objects.create(date=D(YEAR, 2, 14), is_workday=True, note="春节调休上班")
    client.get("/admin/core/workingdayyear/")  # the session's and the sidebar's reads, once
    with CaptureQueriesContext(connection) as one_page:
        html = client.get("/admin/core/workingdayyear/").content.decode()
    assert '<td class="field-rest_days">2</td><td class="field-work_days">1</td>' in html
    assert '<td class="field-rest_days">0</td><td class="field-work_days">0</td>' in html
    WorkingDayYear.objects.bulk_create([WorkingDayYear(year=y, note="通知") for y in range(2010, 2015)])
    client.get("/admin/core/workingdayyear/")
    with CaptureQueriesContext(connection) as more_rows:
        client.get("/admin/core/workingdayyear/")
    assert len(more_rows) == len(one_page), [q["sql"][:120] for q in more_rows.captured_queries]
