"""Seed the 法定主动公开内容 columns: 条例 Art. 20's fifteen items and Art. 21's items for 县级 governments."""

from django.db import migrations

ARTICLE_20 = [
    ("行政法规、规章和规范性文件", "policy", ["规章", "规范性文件"]),
    ("机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名", "other", []),
    ("国民经济和社会发展规划、专项规划、区域规划及相关政策", "other", ["规划计划"]),
    ("国民经济和社会发展统计信息", "other", ["统计信息"]),
    ("办理行政许可和其他对外管理服务事项的依据、条件、程序以及办理结果", "other", []),
    ("实施行政处罚、行政强制的依据、条件、程序以及本行政机关认为具有一定社会影响的行政处罚决定", "other", []),
    ("财政预算、决算信息", "other", []),
    ("行政事业性收费项目及其依据、标准", "other", []),
    ("政府集中采购项目的目录、标准及实施情况", "other", []),
    ("重大建设项目的批准和实施情况", "other", []),
    ("扶贫、教育、医疗、社会保障、促进就业等方面的政策、措施及其实施情况", "other", []),
    ("突发公共事件的应急预案、预警信息及应对情况", "other", []),
    ("环境保护、公共卫生、安全生产、食品药品、产品质量的监督检查情况", "other", []),
    ("公务员招考的职位、名额、报考条件等事项以及录用结果", "other", []),
    ("法律、法规、规章和国家有关规定规定应当主动公开的其他政府信息", "other", []),
]
ARTICLE_21 = ["市政建设", "公共服务", "公益事业", "土地征收", "房屋征收", "治安管理", "社会救助"]
NUMERALS = "一二三四五六七八九十"


def numeral(n):
    return NUMERALS[n - 1] if n <= 10 else "十" + NUMERALS[n - 11]


def forwards(apps, schema_editor):
    Column = apps.get_model("agencies", "StatutoryColumn")
    Genre = apps.get_model("disclosures", "Genre")
    article_20 = Column.objects.create(name="条例第二十条规定的主动公开内容", position=1, basis="条例第二十条")
    for n, (name, kind, genres) in enumerate(ARTICLE_20, start=1):
        column = Column.objects.create(name=name, parent=article_20, position=n, kind=kind,
                                       basis=f"条例第二十条第（{numeral(n)}）项")
        column.genres.set(Genre.objects.filter(name__in=genres))
    article_21 = Column.objects.create(name="县级人民政府及其部门还应当主动公开的内容", position=2, basis="条例第二十一条")
    for n, name in enumerate(ARTICLE_21, start=1):
        Column.objects.create(name=name, parent=article_21, position=n, basis="条例第二十一条")


def backwards(apps, schema_editor):
    Column = apps.get_model("agencies", "StatutoryColumn")
    Column.objects.exclude(parent=None).delete()
    Column.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial"), ("disclosures", "0002_vocabularies")]
    operations = [migrations.RunPython(forwards, backwards)]
