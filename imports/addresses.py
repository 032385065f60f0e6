"""Old addresses as one canonical text, so the 301 table finds them however they are written:
the host is dropped (the old domain is pointed at this site), the path is decoded, and the
query string's parameters are sorted (`?id=123&cid=5` and `?cid=5&id=123` are one page)."""

from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

MAX_LENGTH = 2000


def normalize_old_url(value: str) -> str:
    """ "http://www.kmgd.gov.cn/xxgk/detail.jsp?id=123" → "/xxgk/detail.jsp?id=123"."""
    value = (value or "").strip()
    if not value:
        raise ValueError("原地址为空。")
    if len(value) > MAX_LENGTH:
        raise ValueError(f"原地址过长（超过 {MAX_LENGTH} 个字符）。")
    if any(ch in value for ch in "\r\n\t\x00"):
        raise ValueError("原地址含有换行或控制字符。")
    parts = urlsplit(value if "://" in value or value.startswith(("/", "?")) else "/" + value)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise ValueError("原地址须是 http 或 https 网址，或以 / 开头的路径。")
    return path_and_query(unquote(parts.path) or "/", parts.query)


def path_and_query(path: str, query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def lookup_keys(path: str, query: str) -> list[str]:
    """What a request may match, best first: the path with its query, then the path alone
    (a legacy link shared with a tracking parameter still finds its page)."""
    keys = [path_and_query(path, query)]
    if query:
        keys.append(path)
    return keys
