"""Demo: the Guandu district and its 民政局 with example 2023 reports (演示数据). Table 三 is
computed from the 依申请公开 demo cases when that app is installed; no figure is made up."""

from disclosures.models import Organization

from . import services
from .models import AnnualReport

DEMO_NOTE = (
    "<p>【演示数据】本年报为系统演示，不是{name}的真实年报。表三由演示申请计算，表二、表四的数字均为演示填写。</p>"
)


def load_demo_data():
    created = 0
    for name, consolidated in [("昆明市官渡区民政局", False), ("昆明市官渡区人民政府", True)]:
        organization = Organization.objects.filter(name=name).exclude(section_code=None).first()
        if organization is None:
            continue
        report, new = AnnualReport.objects.get_or_create(
            organization=organization,
            year=2023,
            consolidated=consolidated,
            defaults={
                "overview": DEMO_NOTE.format(name=name)
                + "<p>（演示）2023年，本单位认真贯彻落实《中华人民共和国政府信息公开条例》。</p>",
                "problems": DEMO_NOTE.format(name=name),
                "other_matters": DEMO_NOTE.format(name=name),
                "licences_na": True,
                "penalties_na": True,
                "enforcement_na": True,
                "fees": 0,
                "is_demo": True,
            },
        )
        # Publishing needs the agency's 组织机构代码 (索引号); the seed's 民政局 has none, so its
        # demo report stays a draft for staff to look at, and the district's consolidated one is published.
        if new and organization.index_code:
            services.report_publish(report=report, override_reason="演示数据")
        created += new
    return created
