"""The fields an import fills and the names legacy systems give them (research §6.2): column
headers of spreadsheets and the labels of captured pages map onto the same names."""

import re
import unicodedata

# (field, label shown to staff, names seen in legacy exports and pages)
FIELDS = [
    (
        "source_id",
        "来源编号",
        ["来源编号", "原编号", "信息ID", "文档ID", "METADATAID", "DOCID", "id", "gk_id", "infoid"],
    ),
    ("index_number", "索引号", ["索引号", "IdxID", "identifier", "gk_index"]),
    ("title", "名称", ["名称", "标题", "文件名称", "信息名称", "DOCTITLE", "title"]),
    (
        "publisher",
        "发布机构",
        ["发布机构", "发布单位", "发文机关", "信息来源", "DOCSOURCENAME", "publisher", "gk_input_dept"],
    ),
    ("drafting_org", "成文机构", ["成文机构", "承办单位", "起草单位"]),
    ("written_date", "成文日期", ["成文日期", "生成日期", "成文时间", "DOCRELTIME", "generate_dtime", "date"]),
    (
        "published_at",
        "发布日期",
        [
            "发布日期",
            "发布时间",
            "公开日期",
            "DOCPUBTIME",
            "DOCFIRSTPUBTIME",
            "display_publish_time",
            "created_at",
            "PUBDATE",
        ],
    ),
    ("document_number", "文号", ["文号", "发文字号", "发文文号", "document_number", "doc_no"]),
    ("topic", "主题分类", ["主题分类", "分类", "信息分类", "classify_theme_name", "topic"]),
    ("genre", "体裁", ["体裁", "体裁分类", "文种", "classify_genre_name", "genre"]),
    ("keywords", "关键字", ["关键字", "关键词", "主题词", "DOCKEYWORDS", "keywords"]),
    ("summary", "内容概述", ["内容概述", "摘要", "内容摘要", "DOCABSTRACT", "abstract"]),
    ("validity", "有效性", ["有效性", "效力状态", "gk_validity"]),
    ("effective_date", "生效日期", ["生效日期", "施行日期", "effect_dtime"]),
    ("invalid_date", "失效/废止日期", ["废止日期", "失效日期", "失效/废止日期", "aboli_dtime"]),
    ("body", "正文", ["正文", "内容", "正文内容", "DOCHTMLCON", "DOCCONTENT", "content", "body"]),
    ("old_url", "原网址", ["原网址", "原链接", "原地址", "链接", "网址", "URL", "DOCPUBURL", "url", "post_url"]),
    ("view_count", "浏览次数", ["浏览次数", "点击量", "访问量", "阅读数", "views", "hits"]),
    ("attachments", "附件", ["附件", "附件名称", "attachment"]),
]
FIELD_LABELS = {name: label for name, label, _ in FIELDS}
FIELD_NAMES = [name for name, _, _ in FIELDS]
# Fields where lost characters are looked for (the rest are dates, numbers, names or URLs).
TEXT_FIELDS = ["title", "document_number", "summary", "keywords", "body"]

_SPACES = re.compile(r"[\s\u3000:：*＊]+")


def header_key(text) -> str:
    """One spelling for a header or label: full-width folded, no spaces, colons or marks."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return _SPACES.sub("", text).lower()


_ALIASES = {header_key(alias): name for name, label, aliases in FIELDS for alias in (label, *aliases)}


def field_for_header(header) -> str | None:
    return _ALIASES.get(header_key(header))


def guess_mapping(headers) -> dict[str, str | None]:
    """{header: field or None}; a field is taken by its first header only."""
    mapping, taken = {}, set()
    for header in headers:
        field = field_for_header(header)
        if field in taken:
            field = None
        mapping[header] = field
        if field:
            taken.add(field)
    return mapping
