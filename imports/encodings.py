"""Text files from legacy systems: UTF-8 with or without a byte-order mark, UTF-16 (Excel's
"Unicode text"), or GB18030 (which reads GBK and GB2312 too). Decided from the bytes, never
guessed from statistics: a file that is none of them is an error naming where it breaks."""

import codecs
from dataclasses import dataclass

UTF8, GB18030 = "UTF-8", "GB18030"


class EncodingError(ValueError):
    pass


@dataclass
class Decoded:
    text: str
    encoding: str
    # Set when the file mixes encodings: its bytes that are not UTF-8 became U+FFFD (each
    # one is then flagged where it stands, never dropped silently).
    note: str = ""


def decode(data: bytes, *, name: str = "文件") -> Decoded:
    if data.startswith(codecs.BOM_UTF8):
        return _utf8(data[len(codecs.BOM_UTF8) :], name, "UTF-8（带 BOM）")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError as error:
            raise EncodingError(f"{name}标明为 UTF-16 编码，但第 {error.start} 字节起无法解码。") from error
    # What tells a binary file (or UTF-16 without its mark) from text: NULs in its first bytes.
    # A text file with a stray control character anywhere is read, and each row holding one is
    # refused naming the field (imports.rows), not the whole file as "binary".
    if b"\x00" in data[:4096]:
        raise EncodingError(f"{name}含有二进制数据，不是文本文件（CSV 请另存为“CSV UTF-8”或“CSV”）。")
    try:
        return Decoded(data.decode("utf-8"), UTF8)
    except UnicodeDecodeError as utf8_error:
        try:
            return Decoded(data.decode("gb18030"), GB18030)
        except UnicodeDecodeError:
            return _utf8(data, name, UTF8, first_error=utf8_error)


def _utf8(data, name, label, first_error=None):
    try:
        return Decoded(data.decode("utf-8"), label)
    except UnicodeDecodeError as error:
        first_error = first_error or error
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    # Mostly UTF-8 with a few foreign bytes: keep it, and let each lost character be flagged.
    if bad * 50 <= len(text):
        line = data[: first_error.start].count(b"\n") + 1
        return Decoded(
            text,
            label,
            note=f"{name}大部分为 UTF-8，但有 {bad} 处字节不是（首处在第 {line} 行），已标为待核对的替换字符。",
        )
    line = data[: first_error.start].count(b"\n") + 1
    raise EncodingError(
        f"{name}的编码无法识别：既不是 UTF-8 也不是 GB18030（第 {line} 行起无法解码）。请用“另存为 CSV UTF-8”重新导出。"
    )
