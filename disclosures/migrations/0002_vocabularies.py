"""Ship the controlled vocabularies as editable rows."""

from django.db import migrations

# 国务院 主题分类, first level.
NATIONAL_TOPICS = [
    "综合政务", "国民经济管理、国有资产监管", "财政、金融、审计", "国土资源、能源", "农业、林业、水利",
    "工业、交通", "商贸、海关、旅游", "市场监管、安全生产监管", "城乡建设、环境保护", "科技、教育",
    "文化、广电、新闻出版", "卫生、体育", "人口与计划生育、妇女儿童工作", "劳动、人事、监察",
    "公安、安全、司法", "民政、扶贫、救灾", "民族、宗教", "对外事务", "港澳台侨工作", "国防", "其他",
]
# The 15 公文文种 of 党政机关公文处理工作条例, then the usual non-公文 genres.
OFFICIAL_GENRES = [
    "决议", "决定", "命令（令）", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示", "批复",
    "议案", "函", "纪要",
]
OTHER_GENRES = ["规章", "规范性文件", "规划计划", "统计信息", "工作总结", "建议提案答复", "政策解读", "其他"]


def forwards(apps, schema_editor):
    Topic = apps.get_model("disclosures", "Topic")
    Genre = apps.get_model("disclosures", "Genre")
    for position, name in enumerate(NATIONAL_TOPICS, start=1):
        Topic.objects.get_or_create(name=name, defaults={"is_national": True, "position": position})
    for position, name in enumerate(OFFICIAL_GENRES, start=1):
        Genre.objects.get_or_create(name=name, defaults={"is_official_document": True, "position": position})
    for position, name in enumerate(OTHER_GENRES, start=100):
        Genre.objects.get_or_create(name=name, defaults={"is_official_document": False, "position": position})


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
