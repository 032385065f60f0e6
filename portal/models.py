from django.db import models
from simple_history.models import HistoricalRecords


class SiteSettings(models.Model):
    """The header, footer and page-tag values (one row), all editable by staff."""

    site_name = models.CharField("网站名称", max_length=100)
    # The district's own name where a page speaks of the whole district: not derived from the
    # site name, which may be the government's (昆明市西山区人民政府) or a portal's title.
    district_name = models.CharField(
        "本区名称",
        max_length=50,
        blank=True,
        help_text="如 西山区。社区治理数据中范围为全区的数字标为“西山区（全区）”，社区治理栏目的说明以它开头；留空则只写“全区”。"
        "已有社区治理数据时修改，请运行 manage.py rebuild_search_index 更新站内搜索。",
    )
    site_domain = models.CharField("网站域名", max_length=100)
    site_id_code = models.CharField("网站标识码", max_length=20)
    sponsor = models.CharField("主办单位", max_length=100)
    organizer = models.CharField("承办单位", max_length=100, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=50, blank=True)
    operator = models.CharField("运维单位", max_length=100, blank=True)
    operator_phone = models.CharField("运维单位电话", max_length=50, blank=True)
    hotline_label = models.CharField("便民热线名称", max_length=100, blank=True, default="12345政务服务便民热线")
    hotline = models.CharField("便民热线号码", max_length=50, blank=True)
    icp_number = models.CharField("ICP备案号", max_length=50)
    police_record_number = models.CharField("公安机关备案号", max_length=50)
    # The 党政机关网站标识 (issued by the 机构编制 department): the page its badge opens, with the
    # certificate. Shown in every footer once set (47号文).
    party_government_mark_url = models.URLField(
        "党政机关网站标识证书地址",
        blank=True,
        help_text="如 https://bszs.conac.cn/sitename?method=show&id=…（中央编办开办网站时发放）。",
    )
    history = HistoricalRecords()

    # The national 我为政府网站找错 platform, by the site's 网站标识码.
    ERROR_REPORT_URL = "https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteId?siteCode={code}"

    @property
    def error_report_url(self):
        return self.ERROR_REPORT_URL.format(code=self.site_id_code) if self.site_id_code else ""

    class Meta:
        verbose_name = verbose_name_plural = "网站设置"

    def __str__(self):
        return self.site_name

    @classmethod
    def current(cls):
        # Read on every page: kept until content changes (any save here starts a new
        # generation of the page cache), in this process's memory between round trips.
        from core.pagecache import cached_value

        return cached_value("portal:site-settings", cls._load)

    @classmethod
    def _load(cls):
        return cls.objects.order_by("pk").first() or cls(
            site_name="政府信息公开网站",
            site_domain="",
            site_id_code="",
            sponsor="",
            icp_number="",
            police_record_number="",
        )
