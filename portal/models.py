import secrets
import string
from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from simple_history.models import HistoricalRecords

from core.text import fold_full_width

# The logo and the 党政机关网站标识 go out with every page: small pictures in a format every
# browser shows. Vector files (SVG) can carry script and are not taken.
# Pillow's name for each format taken: its suffixes, the first the one to use, and the content
# type it is sent with. Not from `mimetypes`: Python 3.11's own table has no WebP, and a server
# without /etc/mime.types (a slim container) would send a WebP logo as octet-stream.
SITE_IMAGE_FORMATS = {
    "PNG": ((".png",), "image/png"),
    "JPEG": ((".jpg", ".jpeg"), "image/jpeg"),
    "WEBP": ((".webp",), "image/webp"),
}
# A phone camera's JPEG that holds more than one picture (Multi-Picture Format) is a JPEG to
# every browser; Pillow names it apart.
PILLOW_FORMAT_ALIASES = {"MPO": "JPEG"}
SITE_IMAGE_CONTENT_TYPES = {suffix: kind for suffixes, kind in SITE_IMAGE_FORMATS.values() for suffix in suffixes}
SITE_IMAGE_MAX_KB = 200
SITE_IMAGE_MAX_SIDE = 1000  # pixels


@deconstructible
class SiteImagePath:
    """A new name for every upload: a page names the picture by it, so a browser may keep the
    picture for good and a replaced one shows at once."""

    def __init__(self, kind):
        self.kind = kind

    def __call__(self, instance, filename):
        return f"site/{self.kind}-{secrets.token_hex(8)}{PurePosixPath(filename).suffix.lower()}"

    def __eq__(self, other):
        return isinstance(other, SiteImagePath) and other.kind == self.kind


@deconstructible
class SiteImageValidator:
    """A newly chosen picture (one already saved is not read again): PNG, JPEG or WebP by its
    bytes, its extension agreeing, at most SITE_IMAGE_MAX_KB and SITE_IMAGE_MAX_SIDE a side."""

    def __init__(self, label):
        self.label = label

    def __eq__(self, other):
        return isinstance(other, SiteImageValidator) and other.label == self.label

    def __call__(self, file):
        if getattr(file, "_committed", False):
            return
        label = self.label
        if file.size > SITE_IMAGE_MAX_KB * 1024:
            raise ValidationError(
                f"{label}不能超过{SITE_IMAGE_MAX_KB} KB，所选文件为{-(-file.size // 1024)} KB。请缩小或压缩后重新选择。",
                code="too_big",
            )
        from PIL import Image, UnidentifiedImageError  # only where a picture is chosen: not in every worker

        try:
            file.seek(0)
            with Image.open(file) as image:
                kind, (width, height) = image.format, image.size
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            kind = None
        finally:
            file.seek(0)
        kind = PILLOW_FORMAT_ALIASES.get(kind, kind)
        if kind not in SITE_IMAGE_FORMATS:
            raise ValidationError(f"{label}须为PNG、JPEG或WebP格式的图片，所选文件不是。请重新选择。", code="format")
        suffixes = SITE_IMAGE_FORMATS[kind][0]
        suffix = PurePosixPath(file.name).suffix.lower()
        if suffix not in suffixes:
            raise ValidationError(
                f"所选文件是{kind}图片，扩展名却是“{suffix or '（无）'}”。请改为{suffixes[0]}后重新选择。",
                code="suffix",
            )
        if max(width, height) > SITE_IMAGE_MAX_SIDE:
            raise ValidationError(
                f"{label}每边不能超过{SITE_IMAGE_MAX_SIDE}像素，所选图片为{width}×{height}。请缩小后重新选择。",
                code="too_large",
            )


class SiteImageFormField(forms.ImageField):
    # SiteImageValidator alone checks the suffix, against the formats it takes: Django's own
    # check lists every suffix Pillow reads (.gif, .pdf among them) as allowed.
    default_validators = []


class SiteImageField(models.ImageField):
    default_validators = []

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SiteImageFormField, **kwargs})

    def deconstruct(self):
        # The same column as Django's ImageField: the checks are no part of the schema.
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs


def site_image_field(label, kind, help_text):
    return SiteImageField(
        label,
        upload_to=SiteImagePath(kind),
        validators=[SiteImageValidator(label)],
        width_field=f"{kind}_width",
        height_field=f"{kind}_height",
        blank=True,
        help_text=f"{help_text}PNG、JPEG或WebP格式，不超过{SITE_IMAGE_MAX_KB} KB，每边不超过{SITE_IMAGE_MAX_SIDE}像素。",
    )


def site_image_size_field():
    return models.PositiveIntegerField(null=True, blank=True, editable=False)


# The 政府网站标识码: ten digits for a local site (5301110005), a letter prefix for a State
# Council department's (bm01000001).
SITE_ID_CODE_LENGTH = 10
SITE_ID_CODE_CHARACTERS = frozenset(string.digits + string.ascii_letters)


def site_id_code_error(code):
    """What is wrong with a 网站标识码 (already folded to half-width, without spaces), or ""."""
    expected = f"网站标识码为{SITE_ID_CODE_LENGTH}位数字或字母，如 5301110005，请照发放的标识码填写"
    if stray := next((ch for ch in code if ch not in SITE_ID_CODE_CHARACTERS), None):
        return f"{expected}；所填的含“{stray}”。"
    if len(code) != SITE_ID_CODE_LENGTH:
        return f"{expected}；所填的是{len(code)}位。"
    return ""


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
    site_id_code = models.CharField("网站标识码", max_length=20, help_text="发放的10位政府网站标识码，如 5301110005。")
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
    # The 党政机关网站标识's own picture, as 中央编办 issues it: the footer's link shows it.
    party_government_mark_image = site_image_field(
        "党政机关网站标识图片",
        "mark",
        "中央编办发放的标识图片；与证书地址一起填写，显示在每页页脚，点击打开证书。",
    )
    mark_width = site_image_size_field()
    mark_height = site_image_size_field()
    # Shown before the site's name in every header (the name stays: it is what the link says).
    logo = site_image_field("网站标志", "logo", "显示在每页页头网站名称之前，按文字大小缩放，高度约为网站名称的两倍。")
    logo_width = site_image_size_field()
    logo_height = site_image_size_field()
    history = HistoricalRecords()

    # The national 我为政府网站找错 platform, by the site's 网站标识码.
    ERROR_REPORT_URL = "https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteId?siteCode={code}"

    @property
    def error_report_url(self):
        return self.ERROR_REPORT_URL.format(code=self.site_id_code) if self.site_id_code else ""

    # 工信部令第33号 Art. 13: the ICP number links to the ministry's 备案管理系统.
    ICP_RECORD_URL = "https://beian.miit.gov.cn/"
    # The 公安机关 record, by the digits of its number (滇公网安备 53011102000502号: 53011102000502).
    POLICE_RECORD_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"

    @property
    def police_record_code(self):
        return "".join(ch for ch in fold_full_width(self.police_record_number) if ch in string.digits)

    @property
    def police_record_url(self):
        code = self.police_record_code
        return self.POLICE_RECORD_URL.format(code=code) if code else ""

    IMAGE_FIELDS = ("logo", "party_government_mark_image")

    def image_named(self, name):
        """The current picture of that file name (logo or mark), or None."""
        for field in self.IMAGE_FIELDS:
            image = getattr(self, field)
            if image and PurePosixPath(image.name).name == name:
                return image
        return None

    def image_url(self, image):
        return reverse("portal:site_image", args=[PurePosixPath(image.name).name]) if image else ""

    @property
    def logo_url(self):
        return self.image_url(self.logo)

    @property
    def party_government_mark_image_url(self):
        return self.image_url(self.party_government_mark_image)

    def clean(self):
        errors = {}
        # Typed from the issuing notice, perhaps with an input method's full-width digits or a
        # space between groups: kept as the code itself.
        self.site_id_code = "".join(fold_full_width(self.site_id_code).split())
        if self.site_id_code and (message := site_id_code_error(self.site_id_code)):
            errors["site_id_code"] = message
        if self.party_government_mark_image and not self.party_government_mark_url:
            errors["party_government_mark_url"] = "有标识图片时请填写证书地址：页脚的标识须能点开证书。"
        if errors:
            raise ValidationError(errors)

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
