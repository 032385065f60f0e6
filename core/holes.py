"""Holes in a kept page: a marker where a per-request value goes (浏览次数), filled in when the
page is served, whether rendered (core.rendering) or from the page cache (core.pagecache)."""

from django.utils.html import conditional_escape


def hole_marker(name):
    """The name between private-use characters: left alone by escaping, and not found in text."""
    return f"\ue000{name}\ue000"


def fill_holes(content: bytes, values) -> bytes:
    """`content` with each hole replaced by its value, escaped."""
    for name, value in values.items():
        content = content.replace(hole_marker(name).encode(), str(conditional_escape(value)).encode())
    return content
