"""Word and WPS content into the rich text of disclosures/sanitize.py.

Staff write in Word or WPS. What they paste arrives as Office's clipboard HTML: lists are
paragraphs numbered by hand (`mso-list`, the number inside `<![if !supportLists]>`), headings
carry Office classes, every run has its fonts and styles, and comments, VML and XML islands
come along. `clean_office_html` turns that into plain structure (lists, headings, tables,
bold, 落款) before nh3 keeps only what the editor can write. A .docx uploaded as the body goes
through mammoth (`docx_to_html`), its images kept aside to become attachments.

BeautifulSoup and mammoth are imported where they are used: the admin (and so this module) is
loaded by every worker, and only staff pasting from or importing Office documents need them."""

import io
import re
import zipfile
from dataclasses import dataclass, field

from .uploads import password_protected

# What only Office writes (Word's clipboard HTML, WPS's imitation of it, Word's "Save as HTML").
_OFFICE_MARKERS = re.compile(
    r"urn:schemas-microsoft-com:office|\bmso-[a-z-]+\s*:|class=\"?'?Mso|<o:p\b|<!\[if !support|<!--\[if !support|<v:",
    re.IGNORECASE,
)
_LIST_STYLE = re.compile(r"mso-list:\s*l(\d+)\s+level(\d+)\s+lfo(\d+)", re.IGNORECASE)
_LIST_FORMATS = re.compile(r"@list\s+l(\d+):level(\d+)\s*\{([^}]*)\}", re.IGNORECASE)
_CHINESE_NUMBER = "一二三四五六七八九十百零〇"
# A list number Word wrote: 1.  1)  (1)  （一）  一、  a.  iv.  第三条. Anything else is a bullet.
_ORDERED_MARKER = re.compile(
    rf"^(?:[（(]\s*(?:\d+|[a-zA-Z]+|[{_CHINESE_NUMBER}]+)\s*[)）]"
    rf"|(?:\d+(?:\.\d+)*|[a-zA-Z]+|[{_CHINESE_NUMBER}]+)[.．、)）]"
    rf"|第[\d{_CHINESE_NUMBER}]+[章节条款部分])$"
)
# Word's heading levels one down: the page's title is its only <h1> (sanitize.HEADING_LEVELS).
_HEADINGS = {"h1": "h2", "h2": "h3", "h3": "h4", "h4": "h4", "h5": "h4", "h6": "h4"}
_CLASS_HEADINGS = {"msotitle": "h2", "msosubtitle": "h3"}
_DROPPED = ("head", "style", "script", "meta", "link", "title", "xml", "template")
# Office elements of document data, not text (usually inside an <xml> island, dropped whole).
_OFFICE_DATA = {
    "o:documentproperties",
    "o:customdocumentproperties",
    "o:officedocumentsettings",
    "o:shapedefaults",
    "o:shapelayout",
    "w:worddocument",
    "w:latentstyles",
    "v:shapetype",
}
# Downlevel-revealed conditionals whose content is Office's stand-in for something it renders
# itself: a list's number, an extra line break, a comment's reference.
_DROPPED_CONDITIONALS = ("!supportlists", "!supportlinebreaknewline", "!supportannotations")
_INDENT_CHARACTERS = " \u3000\xa0\t\r\n"
_BOLD = re.compile(r"font-weight:\s*(bold|bolder|[6-9]00)", re.IGNORECASE)
_ITALIC = re.compile(r"font-style:\s*italic", re.IGNORECASE)
_RIGHT = re.compile(r"text-align:\s*right", re.IGNORECASE)
_KEPT_URL = re.compile(r"^(https?:|/|\.|[^:]*$)", re.IGNORECASE)  # what survives sanitizing (no file:, data:)


@dataclass
class Cleaned:
    html: str
    notes: list[str] = field(default_factory=list)


def is_office_html(value: str) -> bool:
    return bool(value) and _OFFICE_MARKERS.search(value) is not None


def clean_office_html(value: str) -> Cleaned:
    """Office clipboard HTML as plain structure: headings one level down, `mso-list`
    paragraphs as real (nested) lists, bold and italic as <strong>/<em>, right-aligned
    paragraphs as 落款, Office's own indents (text-indent, leading 全角 spaces) left to the
    page's CSS, which indents every paragraph; styles, fonts, classes, comments and images
    that live only on the author's computer dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(value, "html.parser")
    list_formats = _list_formats(soup)
    root = soup.body or soup
    notes = []
    _drop_conditionals(root)
    for element in root.find_all(_DROPPED):
        element.decompose()
    for element in root.find_all(True):
        if element.decomposed:
            continue
        name = element.name.lower()
        if ":" in name:
            # Office's own elements hold the document's text: smart tags (st1:chsdate around
            # “2024年3月5日”, st1:personname), content controls (w:sdt), text boxes (v:textbox),
            # the paragraph mark (o:p). Only its data, should it be outside an <xml> island, goes.
            # An unfilled content control shows its prompt (“单击或点击此处输入文字。”): no text.
            placeholder = name == "w:sdt" and element.get("showingplchdr", "").lower() in ("t", "true", "1", "on")
            element.decompose() if name in _OFFICE_DATA or placeholder else element.unwrap()
        elif _is_comment(element):
            element.decompose()
    dropped_images = 0
    for image in root.find_all("img"):
        if not _KEPT_URL.match(image.get("src", "")):
            image.decompose()
            dropped_images += 1
    for link in root.find_all("a"):
        if not link.get("href") or link["href"].startswith("#"):  # bookmarks, table of contents
            link.unwrap()
    _inline_formatting(soup, root)
    _header_rows(root)
    _lists(soup, root, list_formats)
    _blocks(root)
    if dropped_images:
        notes.append(
            f"粘贴的内容中有{dropped_images}张图片没有带入（Word 和 WPS 复制时只给出图片在本机的临时位置）："
            "请把图片另存后用“图片”按钮插入（信息公开记录的正文也可以用“从 Word 文档导入正文”上传 .docx）。"
        )
    html = "".join(str(child) for child in root.contents)
    return Cleaned(html=_BETWEEN_BLOCKS.sub(_drop_layout_space, html).strip(), notes=notes)


# Line breaks and indentation between block elements are the clipboard's layout, not text:
# pasted, each run became an empty paragraph in the editor.
_BLOCK_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 ol ul li table thead tbody tfoot tr td th caption blockquote div".split())
_BETWEEN_BLOCKS = re.compile(r"(<(/?)(\w+)[^<>]*>)(\s+)(?=</?(\w+)[\s/>])")


def _drop_layout_space(match):
    before, after = match.group(3).lower(), match.group(5).lower()
    return match.group(1) + ("" if before in _BLOCK_TAGS and after in _BLOCK_TAGS else match.group(4))


# Word marks a table's heading rows (表格属性 “在各页顶端以标题行形式重复出现”, w:tblHeader):
# they count from -1 (mso-yfti-irow:-1) and the last of them says mso-yfti-lastfirstrow:yes. The
# first row of every table says mso-yfti-firstrow:yes, header row or not: that is no sign.
_LAST_HEADER_ROW = re.compile(r"mso-yfti-lastfirstrow:\s*yes", re.IGNORECASE)
_HEADER_ROW_INDEX = re.compile(r"mso-yfti-irow:\s*-\d", re.IGNORECASE)


def _header_rows(root):
    """The cells of the rows Word marks as the table's heading rows, and of a <thead>, as <th>
    (the sanitizer makes those rows the table's <thead>). A table that marks none is left alone:
    a bold or shaded first row is only the look of one."""
    for table in root.find_all("table"):
        rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
        marked = [
            index
            for index, row in enumerate(rows)
            if _LAST_HEADER_ROW.search(row.get("style", "")) or _HEADER_ROW_INDEX.search(row.get("style", ""))
        ]
        last = max(marked, default=-1)
        for index, row in enumerate(rows):
            if index <= last or row.parent.name == "thead":
                for cell in row.find_all("td", recursive=False):
                    cell.name = "th"


def _list_formats(soup):
    """{(list, level): "ul" or "ol"} from the @list rules of Office's <style>."""
    formats = {}
    for style in soup.find_all("style"):
        for list_id, level, body in _LIST_FORMATS.findall(style.get_text()):
            formats[(list_id, level)] = "ul" if "mso-level-number-format:bullet" in body.replace(" ", "") else "ol"
    return formats


def _conditional(node):
    """'!supportlists' for <![if !supportLists]> and <!--[if !supportLists]-->, 'endif' for
    their ends, else None."""
    from bs4 import Comment, Declaration

    if isinstance(node, Declaration):
        text = str(node).strip().lower()
    elif isinstance(node, Comment):
        text = str(node).strip().lower()
        if not (text.startswith("[") and text.endswith("]")):
            return None
        text = text[1:-1].strip()
    else:
        return None
    if text == "endif":
        return "endif"
    return text[3:].strip() if text.startswith("if ") else None


def _drop_conditionals(root):
    """Remove the stand-ins of _DROPPED_CONDITIONALS (keeping a list's number on its paragraph
    as data-office-marker, to tell numbered from bulleted), then every comment and
    conditional marker (whole conditional comments such as <!--[if gte mso 9]><xml>…)."""
    from bs4 import Comment, Declaration, Tag

    for node in list(root.find_all(string=lambda text: isinstance(text, (Comment, Declaration)))):
        if node.parent is None:  # removed with an earlier block
            continue
        condition = _conditional(node)
        if condition in _DROPPED_CONDITIONALS:
            removed, sibling = [], node.next_sibling
            while sibling is not None and _conditional(sibling) != "endif":
                removed.append(sibling)
                sibling = sibling.next_sibling
            if condition == "!supportlists" and isinstance(node.parent, Tag):
                marker = "".join(part.get_text() if isinstance(part, Tag) else str(part) for part in removed)
                node.parent["data-office-marker"] = marker.strip(_INDENT_CHARACTERS)
            for part in removed:
                part.extract()
            if sibling is not None:
                sibling.extract()
        node.extract()


def _is_comment(element):
    classes = " ".join(element.get("class", [])).lower()
    style = element.get("style", "").lower().replace(" ", "")
    return (
        "msocommentreference" in classes
        or "msocomanchor" in classes
        or "mso-element:comment-list" in style
        or "mso-element:comment" in style
    )


def _inline_formatting(soup, root):
    """<b>/<i> and Office's bold or italic runs (WPS writes font-weight in a span's style) as
    <strong>/<em>; <span style="mso-list:Ignore"> holds a list number when there are no
    conditional comments (Word Online, some WPS versions)."""
    for element in root.find_all(["b", "i", "span", "font"]):
        if element.decomposed:
            continue
        style = element.get("style", "")
        if element.name == "span" and "mso-list:ignore" in style.lower().replace(" ", ""):
            paragraph = element.find_parent("p")
            if paragraph is not None and "data-office-marker" not in paragraph.attrs:
                paragraph["data-office-marker"] = element.get_text().strip(_INDENT_CHARACTERS)
            element.decompose()
            continue
        if element.name == "b":
            element.name, element.attrs = "strong", {}
        elif element.name == "i":
            element.name, element.attrs = "em", {}
        else:
            for pattern, tag in ((_BOLD, "strong"), (_ITALIC, "em")):
                inside = element.find_parent(["strong", "b"] if tag == "strong" else ["em", "i"])
                if pattern.search(style) and element.get_text().strip() and inside is None:
                    wrapper = soup.new_tag(tag)
                    for child in list(element.contents):
                        wrapper.append(child.extract())
                    element.append(wrapper)


def _marker_kind(paragraph, list_formats, list_id, level):
    marker = paragraph.get("data-office-marker")
    if marker:
        return "ol" if _ORDERED_MARKER.match(marker.replace(" ", "")) else "ul"
    return list_formats.get((list_id, level), "ol")


def _lists(soup, root, list_formats):
    """Each run of `mso-list` paragraphs as one list, nested by level; a new list (lfo) or a
    change between numbers and bullets at the same level starts a new one."""
    from bs4 import NavigableString, Tag

    paragraphs = [p for p in root.find_all("p") if _LIST_STYLE.search(p.get("style", ""))]
    done = set()
    for first in paragraphs:
        if id(first) in done:
            continue
        run = [first]
        sibling = first.next_sibling
        while sibling is not None:
            if isinstance(sibling, NavigableString) and not sibling.strip():
                sibling = sibling.next_sibling
                continue
            if isinstance(sibling, Tag) and sibling.name == "p" and _LIST_STYLE.search(sibling.get("style", "")):
                run.append(sibling)
                sibling = sibling.next_sibling
                continue
            break
        done.update(id(p) for p in run)
        _build_list(soup, run, list_formats)


def _build_list(soup, run, list_formats):
    stack = []  # [(level, kind, list element)]
    top_lfo = None
    anchor = run[0]
    for paragraph in run:
        list_id, level_text, lfo = _LIST_STYLE.search(paragraph["style"]).groups()
        level = int(level_text)
        kind = _marker_kind(paragraph, list_formats, list_id, level_text)
        while stack and stack[-1][0] > level:
            stack.pop()
        if stack and stack[-1][0] == level and (stack[-1][1] != kind or (level == 1 and lfo != top_lfo)):
            stack.pop()
        if not stack or stack[-1][0] < level:
            new_list = soup.new_tag(kind)
            marker = paragraph.get("data-office-marker", "")
            number = re.match(r"^[（(]?(\d+)", marker)
            if kind == "ol" and number and int(number.group(1)) > 1:
                new_list["start"] = number.group(1)
            if stack:
                items = stack[-1][2].find_all("li", recursive=False)
                (items[-1] if items else stack[-1][2]).append(new_list)
            else:
                anchor.insert_before(new_list)
                top_lfo = lfo
            stack.append((level, kind, new_list))
        item = soup.new_tag("li")
        for child in list(paragraph.contents):
            item.append(child.extract())
        _strip_indent(item)
        stack[-1][2].append(item)
        paragraph.decompose()


def _strip_indent(element):
    """Leading spaces typed to indent (全角 spaces, &nbsp;): the page indents paragraphs itself."""
    from bs4 import Comment, Declaration

    for text in element.find_all(string=True):
        if isinstance(text, (Comment, Declaration)):
            continue
        stripped = str(text).lstrip(_INDENT_CHARACTERS)
        if stripped:
            if stripped != str(text):
                text.replace_with(stripped)
            return
        text.replace_with("")


def _blocks(root):
    for element in root.find_all(True):
        if element.decomposed:
            continue
        name = element.name.lower()
        classes = " ".join(element.get("class", [])).lower()
        if name in _HEADINGS or classes in _CLASS_HEADINGS:
            element.name = _HEADINGS.get(name) or _CLASS_HEADINGS[classes]
            element.attrs = {}
            for bold in element.find_all(["strong", "b"]):  # a heading is bold already
                bold.unwrap()
            _strip_indent(element)
        elif name == "br" and element.get("clear"):  # Word's separator before footnotes
            element.decompose()
        elif name == "p":
            right = _RIGHT.search(element.get("style", "")) or element.get("align", "").lower() == "right"
            element.attrs = {"class": "signature"} if right else {}
            _strip_indent(element)
            text = element.get_text().strip(_INDENT_CHARACTERS)
            if not text and not element.find("img"):
                element.decompose()  # Office's empty paragraphs are spacing, which the page has
        elif name in ("td", "th"):
            element.attrs = {key: value for key, value in element.attrs.items() if key in ("colspan", "rowspan")}
        elif name in ("colgroup", "col"):
            element.decompose()
        elif name == "ol":
            element.attrs = {key: value for key, value in element.attrs.items() if key == "start"}
        elif name not in ("a", "img"):
            element.attrs = {}


# --- .docx uploaded as the body (mammoth) ---------------------------------------------------

DOCX_STYLE_MAP = "\n".join(
    [
        "p[style-name='Title'] => h2:fresh",
        "p[style-name='Subtitle'] => h3:fresh",
        *(
            f"p[style-name='{case} {level}'] => {_HEADINGS[f'h{level}']}:fresh"
            for level in range(1, 7)
            for case in ("heading", "Heading")
        ),
    ]
)
DOCX_IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/jpg": ".jpg"}
DOCX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # a body far larger than any real one: a ZIP bomb
_PLACEHOLDER = "docx-image:"


class DocxError(ValueError):
    """A .docx that cannot be read, with the reason for staff."""


@dataclass
class DocxImage:
    placeholder: str  # the <img src> in `html` until the image is an attachment
    name: str
    content_type: str
    data: bytes
    alt: str


@dataclass
class ImportedDocument:
    html: str
    images: list[DocxImage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def docx_to_html(file) -> ImportedDocument:
    """A .docx as body HTML: headings, (nested) numbered and bulleted lists, tables and
    footnotes as clean HTML; PNG and JPEG images kept aside (their alt text, where Word has
    one) to become attachments; other image formats named in `notes`."""
    import mammoth  # only staff importing a document need it

    data = file.read()
    file.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise DocxError("这不是 Word 文档：文件中没有 word/document.xml。")
            if sum(info.file_size for info in archive.infolist()) > DOCX_MAX_UNCOMPRESSED_BYTES:
                raise DocxError("文档解压后过大，无法导入：请删去多余的图片后重试，或作为附件上传。")
    except zipfile.BadZipFile:
        if password_protected(data):
            raise DocxError("这个 Word 文档设置了打开密码，无法读取：请在 Word 或 WPS 中取消密码后再导入。") from None
        raise DocxError(
            "这不是 .docx 文件（无法作为 Word 文档打开）：旧版 .doc 请在 Word 或 WPS 中另存为 .docx。"
        ) from None

    images, skipped = [], []

    def keep_image(image):
        number = len(images) + len(skipped) + 1
        extension = DOCX_IMAGE_TYPES.get((image.content_type or "").lower())
        if extension is None:
            skipped.append(f"第{number}张（{(image.content_type or '未知格式').split('/')[-1].upper()}）")
            return {"src": f"{_PLACEHOLDER}skip"}
        with image.open() as stream:
            content = stream.read()
        placeholder = f"{_PLACEHOLDER}{number}"
        images.append(
            DocxImage(placeholder, f"正文图片{number}{extension}", image.content_type, content, image.alt_text or "")
        )
        return {"src": placeholder}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(_header_rows_switched_off_removed(data)),
            style_map=DOCX_STYLE_MAP,
            convert_image=mammoth.images.img_element(keep_image),
        )
    except DocxError:
        raise
    except Exception as error:  # noqa: BLE001  (a parser of an untrusted file: any failure is the file's)
        raise DocxError(
            f"无法读取这个 Word 文档（{type(error).__name__}）：请在 Word 或 WPS 中打开后另存为 .docx 再上传。"
        ) from None
    html = _tidy_docx_html(result.value)
    notes = []
    if skipped:
        notes.append(
            f"图片{'、'.join(skipped)}的格式浏览器无法显示，没有导入：请在 Word 中另存为 PNG 或 JPEG 后用“图片”按钮插入。"
        )
    return ImportedDocument(html=html, images=images, notes=notes)


# A row Word repeats as the table's heading row (表格属性 “在各页顶端以标题行形式重复出现”) has
# <w:tblHeader/> in its properties; mammoth makes such leading rows the table's <thead> of <th>
# (the sanitizer gives each a scope). No other sign makes a header row: the “标题行” box of a
# table style (w:tblLook w:firstRow) is on for almost every table Word makes, header or not.
# w:tblHeader is an on/off property, and mammoth reads any w:tblHeader as on: one switched off
# (w:val="0", "false" or "off") is taken out first.
_HEADER_ROW_OFF = re.compile(rb"""<w:tblHeader\b[^>]*\bw:val=["'](?:0|false|off)["'][^>]*/>""")


def _header_rows_switched_off_removed(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = archive.read("word/document.xml")
        if not _HEADER_ROW_OFF.search(document):
            return data
        target = io.BytesIO()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
            for item in archive.infolist():
                if item.filename == "word/document.xml":
                    copy.writestr(item, _HEADER_ROW_OFF.sub(b"", document))
                else:
                    copy.writestr(item, archive.read(item.filename))
    return target.getvalue()


def _tidy_docx_html(html):
    """Footnote numbers without their in-page links (the sanitizer keeps no ids, so they would
    lead nowhere), the footnotes under a heading of their own, skipped images removed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for image in soup.find_all("img", src=f"{_PLACEHOLDER}skip"):
        image.decompose()
    for link in soup.find_all("a", href=True):
        href = link["href"]
        if href.startswith(("#footnote-ref-", "#endnote-ref-")):
            link.decompose()  # the ↑ back to the text
        elif href.startswith(("#footnote-", "#endnote-")):
            link.unwrap()
    for notes in soup.find_all("ol"):
        item = notes.find("li", recursive=False)
        if item is not None and str(item.get("id", "")).startswith(("footnote-", "endnote-")):
            heading = soup.new_tag("h4")
            heading.string = "注释"
            notes.insert_before(heading)
    return str(soup)


_PLACEHOLDER_IMAGE = re.compile(rf'<img\b[^>]*\bsrc="({_PLACEHOLDER}[^"]*)"[^>]*>')


def replace_placeholders(html: str, urls: dict[str, str]) -> str:
    """The body with each image's placeholder replaced by its attachment's address; an image
    with no address (it could not be kept) is left out."""

    def replace(match):
        url = urls.get(match.group(1))
        return match.group(0).replace(match.group(1), url) if url else ""

    return _PLACEHOLDER_IMAGE.sub(replace, html)
