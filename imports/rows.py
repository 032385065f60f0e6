"""One source row → the values of a draft record, or the reasons it cannot be one.

Checked here, in Python, with the model's own rules (field lengths, 文号 form, keyword count,
what sanitizing would lose), so the bulk writes in imports.services do not fail on a row and
every refusal names its field and value. Lost characters become flags, never refusals."""

import datetime as dt
import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.dates import DATE_PATTERN, FIRST_YEAR, LAST_YEAR, fold_date_text
from core.text import first_control_character, fold_full_width, printable, where_hidden
from disclosures.document_numbers import normalize_document_number, validate_document_number
from disclosures.models import KEYWORD_SPLIT, MAX_KEYWORDS, DisclosureRecord, validate_attachment
from disclosures.sanitize import length_error, outside_image_error, sanitize_html, text_loss

from .addresses import normalize_old_url
from .captures import SourceRow
from .fields import FIELD_LABELS, TEXT_FIELDS
from .losses import Loss, context, find_losses

_HTML = re.compile(r"<\s*(p|div|br|span|table|strong|b|a|img|h[1-6]|ul|ol|li|font)\b", re.IGNORECASE)
_INDEX_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z/\-_.]*$")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]+")
VALIDITY = {
    "": DisclosureRecord.Validity.VALID,
    "有效": DisclosureRecord.Validity.VALID,
    "现行有效": DisclosureRecord.Validity.VALID,
    "valid": DisclosureRecord.Validity.VALID,
    "否": DisclosureRecord.Validity.VALID,
    "失效": DisclosureRecord.Validity.EXPIRED,
    "已失效": DisclosureRecord.Validity.EXPIRED,
    "expired": DisclosureRecord.Validity.EXPIRED,
    "is_expired": DisclosureRecord.Validity.EXPIRED,
    "废止": DisclosureRecord.Validity.REPEALED,
    "已废止": DisclosureRecord.Validity.REPEALED,
    "repealed": DisclosureRecord.Validity.REPEALED,
    "is_abolished": DisclosureRecord.Validity.REPEALED,
}
# The record fields an import writes (and a rollback of an update restores).
RECORD_FIELDS = [
    "index_number",
    "title",
    "publisher_id",
    "drafting_org_id",
    "document_number",
    "written_date",
    "published_at",
    "topic_id",
    "genre_id",
    "keywords",
    "summary",
    "validity",
    "effective_date",
    "invalid_date",
    "body",
    "view_count",
]


@dataclass
class Lookups:
    """Names → ids for one batch, read once (a row costs no query to check)."""

    publishers: dict
    topics: dict
    genres: dict
    allowed_publishers: set | None  # None: every agency (district-wide staff)
    default_publisher: int | None = None
    default_topic: int | None = None
    genre_suffixes: list = field(default_factory=list)  # (name, pk), longest first
    old_site: str = ""


@dataclass
class FlagDraft:
    field: str
    loss: Loss
    before: str
    after: str
    paragraph: int | None
    line: int | None
    sets_field: str = ""


@dataclass
class Candidate:
    number: int
    place: str = ""
    key: str = ""
    source_id: str = ""
    old_url: str = ""
    redirect_path: str = ""
    title: str = ""
    values: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)  # (title, name, bytes)
    flags: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    unknown: list = field(default_factory=list)  # (kind, text) for the mapping screen
    digest: str = ""


def name_key(text) -> str:
    return _SPACE.sub("", str(text or "")).strip()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value).strip()


_DATE = re.compile(
    rf"^{DATE_PATTERN}"  # the dates the form fields read too (core.dates.typed_date)
    r"(?:[\sT]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_datetime(value, label) -> dt.datetime | None:
    """A local date and time from the forms legacy systems write; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    else:
        text = fold_date_text(_text(value))  # ２０２６－１２－０７ as a cell typed with an input method holds it
        if re.fullmatch(r"\d{10}|\d{13}", text):  # gkmlpt: seconds (or milliseconds) since 1970
            seconds = int(text) / (1000 if len(text) == 13 else 1)
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).astimezone(timezone.get_current_timezone())
        if re.fullmatch(r"\d{8}", text):
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        m = _DATE.match(text)
        if not m and text.isdecimal():
            # Not 20230616, nor seconds since 1970: an Excel date exported as its serial number
            # (45093), or a cell of another kind; read as a date only from an XLSX number cell
            # (imports.sources), where it is known to be one.
            raise ValueError(
                f"{label}“{text}”是一个数字，不是可识别的日期：如是 Excel 中的日期，"
                "请把这一列的单元格格式设为“日期”后再导入（或写成 2023-06-16）。"
            )
        if not m:
            raise ValueError(f"{label}“{text}”不是可识别的日期（如 2023-06-16 或 2023年6月16日）。")
        year, month, day, hour, minute, second, zone = m.groups()
        try:
            moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            raise ValueError(f"{label}“{text}”不是有效的日期。") from None
        if zone:
            zone = zone.replace(":", "")
            offset = 0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[3:5])) * (1 if zone[0] == "+" else -1)
            if abs(offset) > 14 * 60 or (zone != "Z" and int(zone[3:5]) > 59):
                raise ValueError(f"{label}“{text}”的时区不对：应在 -14:00 到 +14:00 之间，如 +08:00。")
            moment = moment.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset)))
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{label}“{_text(value)}”的年份不在 {FIRST_YEAR}–{LAST_YEAR} 之间。")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.replace(microsecond=0)


def parse_date(value, label) -> dt.date | None:
    moment = parse_datetime(value, label)
    return timezone.localtime(moment).date() if moment else None


LIST_NAMES = {"publisher": "机构", "drafting_org": "机构", "topic": "主题分类", "genre": "体裁分类"}


def _resolve(kind, text, table, mapping, candidate, *, required, label):
    key = name_key(text)
    if not key:
        return None
    mapped = mapping.get(kind, {}).get(text) or mapping.get(kind, {}).get(key)
    if mapped:
        return int(mapped)
    if key in table:
        return table[key]
    candidate.unknown.append((kind, key))
    message = f"{label}“{key}”不在{LIST_NAMES[kind]}列表中"
    if required:
        candidate.errors.append(f"{message}：请先添加，或在“列与取值对应”中指定对应的项。")
    else:
        candidate.warnings.append(f"{message}，未填写。")
    return None


def body_html(value, *, is_html: bool) -> str:
    text = _text(value)
    if not text:
        return ""
    if is_html or _HTML.search(text):
        return text
    paragraphs = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def _control_character_errors(source: SourceRow) -> list[str]:
    """A message per field holding a control character, anywhere in the row: the admin refuses
    them beside the field (a record imported with one could not be saved again), PostgreSQL
    stores no NUL, and XML (the feeds) carries none; invisible, the message says where the first
    one is. The body is rich text: its sanitizer drops them, as the editor's does."""
    cells = [(FIELD_LABELS.get(name, name), value) for name, value in source.values.items() if name != "body"]
    cells += [(FIELD_LABELS["attachments"], text) for ref in source.attachments for text in (ref.title, ref.href)]
    errors, named = [], set()
    for label, value in cells:
        at = first_control_character(value) if isinstance(value, str) and label not in named else None
        if at is None:
            continue
        named.add(label)
        errors.append(f"{label}含有控制字符 {where_hidden(value, at)}，请在源文件中删除后重新导入。")
    return errors


def clean_row(source: SourceRow, lookups: Lookups, value_mapping: dict) -> Candidate:
    c = Candidate(number=source.number, place=source.place, warnings=list(source.warnings))
    v = source.values
    values = c.values
    c.errors.extend(_control_character_errors(source))
    if c.errors:
        # The refused row is still named by its values (key, title, messages): without the
        # characters, which PostgreSQL would not store in them either.
        v = {name: printable(value) if isinstance(value, str) else value for name, value in v.items()}

    def add_error(message):
        c.errors.append(message)

    # Identity: the source's id, else the old address, else the 索引号.
    c.source_id = _text(v.get("source_id"))[:100]
    c.old_url = _text(v.get("old_url"))
    if c.old_url:
        try:
            c.redirect_path = normalize_old_url(c.old_url)
        except ValueError as error:
            c.warnings.append(f"原网址无法使用，不设跳转：{error}")
            c.old_url = c.old_url[:1000]
    # Full-width letters and digits (Ｘ-２０２４…) are what a Chinese input method types: the same number.
    index_number = fold_full_width(_text(v.get("index_number"))).strip()
    if index_number:
        if len(index_number) > 64 or not _INDEX_NUMBER.match(index_number):
            add_error(f"索引号“{index_number[:80]}”格式不对：只能含字母、数字和 - / _ .，最长 64 个字符。")
        values["index_number"] = index_number
    else:
        values["index_number"] = None
    if c.source_id:
        c.key = f"id:{c.source_id}"
    elif c.redirect_path:
        c.key = f"url:{c.redirect_path}"[:300]
    elif index_number:
        c.key = f"索引号:{index_number}"
    else:
        add_error("无法识别这条记录：来源编号、原网址、索引号都没有，再次导入时无法对应（会重复）。")

    title = _SPACE.sub(" ", _text(v.get("title")))
    c.title = title[:300]
    if not title:
        add_error("缺少名称（标题）。")
    elif len(title) > 300:
        add_error(f"名称超过 300 个字符（{len(title)} 个）。")
    values["title"] = title
    if source.error:  # the row as the file holds it is broken: named by what could be read
        c.errors.insert(0, source.error)
        return c

    for name, table, default, label in (
        ("publisher", lookups.publishers, lookups.default_publisher, "发布机构"),
        ("topic", lookups.topics, lookups.default_topic, "主题分类"),
    ):
        if name_key(v.get(name)):
            values[f"{name}_id"] = _resolve(name, v.get(name), table, value_mapping, c, required=True, label=label)
        else:
            values[f"{name}_id"] = default
            if default is None:
                add_error(f"缺少{label}（文件中没有，批次也未设默认{label}）。")
    publisher = values["publisher_id"]
    if publisher is not None and lookups.allowed_publishers is not None and publisher not in lookups.allowed_publishers:
        add_error(f"发布机构“{name_key(v.get('publisher')) or '默认发布机构'}”不是您所在的机构，您无权导入它的记录。")
    values["drafting_org_id"] = _resolve(
        "drafting_org", v.get("drafting_org"), lookups.publishers, value_mapping, c, required=False, label="成文机构"
    )
    genre_text = name_key(v.get("genre"))
    values["genre_id"] = _resolve("genre", genre_text, lookups.genres, value_mapping, c, required=False, label="体裁")
    if not genre_text and title:
        # 公文 titles end in their 文种: 关于…的函, 关于…的通知.
        values["genre_id"] = next((pk for name, pk in lookups.genre_suffixes if title.endswith(name)), None)

    for name, label in (
        ("written_date", "成文日期"),
        ("effective_date", "生效日期"),
        ("invalid_date", "失效/废止日期"),
    ):
        try:
            values[name] = parse_date(v.get(name), label)
        except ValueError as error:
            add_error(str(error))
            values[name] = None
    try:
        values["published_at"] = parse_datetime(v.get("published_at"), "发布日期")
    except ValueError as error:
        add_error(str(error))
        values["published_at"] = None
    if values["published_at"] and values["published_at"] > timezone.now():
        add_error(
            f"发布日期 {timezone.localtime(values['published_at']):%Y-%m-%d %H:%M} 在将来：导入的是已发布过的信息。"
        )
    elif not values["published_at"] and not c.errors:
        c.warnings.append("没有发布日期：发布时将以发布当时为发布日期。")

    number = normalize_document_number(_text(v.get("document_number")))
    values["document_number"] = number
    if len(number) > 100:
        add_error("文号超过 100 个字符。")
    else:
        try:
            validate_document_number(number)
        except ValidationError as error:
            if not find_losses(number):
                add_error(f"文号“{number}”：{error.messages[0]}")

    keywords = [k for k in KEYWORD_SPLIT.split(_text(v.get("keywords"))) if k]
    if len(keywords) > MAX_KEYWORDS:
        add_error(f"关键字最多{MAX_KEYWORDS}个，当前为{len(keywords)}个（{'、'.join(keywords)}）。")
    values["keywords"] = "、".join(keywords)
    if len(values["keywords"]) > 200:
        add_error("关键字超过 200 个字符。")
    values["summary"] = _text(v.get("summary"))

    validity = _text(v.get("validity")).lower()
    if validity not in VALIDITY:
        add_error(f"有效性“{_text(v.get('validity'))}”无法识别：应为 有效、失效 或 废止。")
    values["validity"] = VALIDITY.get(validity, DisclosureRecord.Validity.VALID)
    if values["validity"] != DisclosureRecord.Validity.VALID and not values["invalid_date"]:
        add_error("失效或废止的记录须填写失效/废止日期。")

    raw_body = body_html(v.get("body"), is_html=source.body_is_html)
    # The admin's limit (bulk_create skips the model's clean()): a longer body imported would
    # make the record one staff could never save again. Checked before sanitizing, which a body
    # this long would only slow down, and after it too (escaping can lengthen the text).
    too_long = length_error(raw_body)
    loss = None if too_long else text_loss(raw_body)
    values["body"] = "" if too_long else sanitize_html(raw_body)
    too_long = too_long or length_error(values["body"])
    if too_long or loss:
        add_error(f"正文：{too_long or loss}")
    if not values["body"] and not too_long:
        c.warnings.append("正文为空。")
    elif not too_long and (outside := outside_image_error(values["body"])):
        # Imported as it was (legacy bodies point at the old site), but said now: review would
        # refuse the record with this message, and staff would not know until then.
        c.warnings.append(f"正文：{outside}")

    views = _text(v.get("view_count"))
    # Full-width digits are what input methods type; other "digits" (², ①) are not numbers.
    digits = "".join(unicodedata.normalize("NFKC", ch) if "０" <= ch <= "９" else ch for ch in views)
    if views and not _DIGITS.fullmatch(digits):
        add_error(f"浏览次数“{views[:40]}”不是整数。")
    values["view_count"] = int(digits) if _DIGITS.fullmatch(digits) and len(digits) < 10 else 0

    if c.errors:
        return c
    for ref in source.attachments:
        _attachment(c, ref)
    _flags(c, source)
    c.digest = hashlib.sha256(
        json.dumps([values, c.old_url, [a[1] for a in c.attachments]], default=str, ensure_ascii=False).encode()
    ).hexdigest()
    return c


def _attachment(c: Candidate, ref):
    from django.core.files.base import ContentFile

    name = ref.href.split("?")[0].rsplit("/", 1)[-1]
    if ref.data is None and ref.problem:
        c.warnings.append(f"附件“{ref.title}”未导入：{ref.problem}")
        return
    if ref.data is None:
        c.warnings.append(f"附件“{ref.title}”（{ref.href}）不在所导入的文件中，未导入：请另行上传。")
        return
    upload = ContentFile(ref.data, name=name)
    upload.content_type = "application/octet-stream"  # a new upload: the content check applies
    try:
        validate_attachment(upload)
    except ValidationError as error:
        c.warnings.append(f"附件“{ref.title}”未导入：{error.messages[0]}")
        return
    c.attachments.append((ref.title[:200] or name, name, ref.data))


def _paragraph(body: str, offset: int) -> int:
    return body.count("<p", 0, offset) or 1


def _flags(c: Candidate, source: SourceRow):
    for name in TEXT_FIELDS:
        text = c.values.get(name) or ""
        is_html = name == "body"
        for loss in find_losses(text, html=is_html):
            before, after = context(text, loss.start, loss.end, html=is_html)
            paragraph = _paragraph(text, loss.start) if is_html else None
            if is_html and source.body_lines and paragraph <= len(source.body_lines):
                line = source.body_lines[paragraph - 1]
            else:
                line = source.lines.get(name) or (source.number if not source.place else None)
            sets_field = ""
            if is_html and loss.kind == "date" and paragraph == source.date_paragraph and not c.values["written_date"]:
                sets_field = "written_date"
            c.flags.append(FlagDraft(name, loss, before, after, paragraph, line, sets_field))
    if c.flags:
        fields = sorted({FIELD_LABELS[f.field] for f in c.flags})
        c.warnings.append(f"发现 {len(c.flags)} 处可能丢失的字符（{'、'.join(fields)}），发布前须逐一核对。")
