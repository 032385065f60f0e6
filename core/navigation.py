"""The site's sections, in one place: the header navigation and 网站地图 both read it.
Apps add their sections through `register_section` instead of being imported here."""

from django.urls import get_script_prefix, get_urlconf, reverse

_sections = []
_links = {}


def register_section(*, title, url_name, position, children=()):
    _sections.append({"title": title, "url_name": url_name, "position": position, "children": list(children)})


def register_link(name, url_name):
    """A page a later app provides that earlier ones may point to (the 指南's 在线申请)."""
    _links[name] = url_name


def link_url(name):
    """The registered page's URL, or None when no installed app provides it."""
    return reverse(_links[name]) if name in _links else None


def site_sections():
    # Read on every page; the URLs only change with the URLconf, so resolve them once.
    key = (get_script_prefix(), get_urlconf(), len(_sections))
    if _resolved.get("key") != key:
        _resolved.update(
            key=key,
            sections=[
                {
                    "title": section["title"],
                    "url": reverse(section["url_name"]),
                    "children": [{"title": t, "url": reverse(n)} for t, n in section["children"]],
                }
                for section in sorted(_sections, key=lambda s: s["position"])
            ],
        )
    return _resolved["sections"]


_resolved = {}
