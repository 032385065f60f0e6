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
        _resolved.update(key=key, sections=[
            {
                "title": section["title"],
                "url": reverse(section["url_name"]),
                "children": [{"title": t, "url": reverse(n)} for t, n in section["children"]],
            }
            for section in sorted(_sections, key=lambda s: s["position"])
        ])
    return _resolved["sections"]


_resolved = {}


register_section(title="首页", url_name="portal:home", position=0)
register_section(
    title="政府信息公开", url_name="disclosures:catalogue", position=10,
    children=[
        ("政府信息公开指南", "disclosures:guide"),
        ("政府信息公开制度", "disclosures:policy"),
        ("政府信息公开目录", "disclosures:catalogue"),
    ],
)
register_section(title="政府信息公开指南", url_name="disclosures:guide", position=11)
register_section(title="政府信息公开制度", url_name="disclosures:policy", position=12)
