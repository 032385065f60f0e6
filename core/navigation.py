"""The site's sections, in one place: the header navigation and 网站地图 both read it.
Apps add their sections through `register_section` instead of being imported here."""

from django.urls import get_script_prefix, get_urlconf, reverse

_sections = []


def register_section(*, title, url_name, position, children=()):
    _sections.append({"title": title, "url_name": url_name, "position": position, "children": list(children)})


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
