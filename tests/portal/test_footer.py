"""Every page's footer carries what 47号文 lists and the site inspection checks: besides 主办单位,
联系方式, 网站标识码 and the two 备案 numbers, the 党政机关网站标识 (once the site has its certificate)
and the 我为政府网站找错 entry of the national platform, by the site's 网站标识码."""

import pytest

from portal.models import SiteSettings

pytestmark = pytest.mark.django_db


def test_the_footer_has_the_error_report_entry_and_the_party_government_mark(client, seed):
    site = SiteSettings.objects.get()
    assert site.site_id_code
    html = client.get("/").content.decode()
    assert f"https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteId?siteCode={site.site_id_code}" in html
    assert "我为政府网站找错" in html and "党政机关网站标识" not in html  # no certificate yet: no link to nothing
    site.party_government_mark_url = "https://bszs.conac.cn/sitename?method=show&id=0123456789ABCDEF"
    site.save()
    html = client.get("/disclosures/").content.decode()
    assert 'href="https://bszs.conac.cn/sitename?method=show&amp;id=0123456789ABCDEF"' in html
    assert "党政机关网站标识" in html


def test_the_icp_number_links_to_the_ministrys_record_system(client, seed):
    """工信部令第33号 Art. 13: the number shown links to the 备案管理系统."""
    site = SiteSettings.objects.get()
    html = client.get("/").content.decode()
    assert f'<a href="https://beian.miit.gov.cn/" rel="noopener">{site.icp_number}</a>' in html


def test_the_police_record_number_links_to_its_record_by_its_digits_and_follows_a_change(client, seed):
    site = SiteSettings.objects.get()
    assert site.police_record_number == "滇公网安备 53011102000502号"
    html = client.get("/").content.decode()
    link = '<a href="https://beian.mps.gov.cn/#/query/webSearch?code={}" rel="noopener">{}</a>'
    assert link.format("53011102000502", "滇公网安备 53011102000502号") in html
    site.police_record_number = "滇公网安备 ５３０１１１０２０００５０３号"  # typed with full-width digits
    site.save()
    html = client.get("/").content.decode()  # the footer is a kept fragment: shown changed at once
    assert link.format("53011102000503", "滇公网安备 ５３０１１１０２０００５０３号") in html
    site.police_record_number = "备案中"  # no number yet: said, not linked to nothing
    site.save()
    html = client.get("/").content.decode()
    assert "<p>备案中" in html and "beian.mps.gov.cn" not in html


def test_the_guide_points_to_the_online_form_and_says_what_is_missing(client, seed):
    """条例 Art. 12: the 指南 gives the office's hours and fax too; a blank one says 未提供
    rather than an empty cell, and the online form is named beside post, fax and in person."""
    html = client.get("/disclosures/guide/").content.decode()
    assert '<a href="/disclosures/apply/">在线提出申请</a>' in html
    assert '<tr><th scope="row">名称</th>' in html and "<td></td>" not in html  # the seed's office
