"""The site's sections, in one place: the header navigation, 网站地图 and the home page's entry
points read it. Apps add their sections through `register_section`, and entries to another
app's section through `register_section_entry`, instead of being imported here."""

from django.urls import get_script_prefix, get_urlconf, reverse

_sections = []
_entries = []


def register_section(*, title, url_name, position, children=()):
    """`children` are (title, url_name) pairs, at positions 0, 10, 20… in the order given."""
    _sections.append({"title": title, "url_name": url_name, "position": position})
    for index, (child_title, child_url_name) in enumerate(children):
        register_section_entry(section=url_name, title=child_title, url_name=child_url_name, position=index * 10)


def register_section_entry(*, section, title, url_name, position):
    """An entry under the section registered with `url_name=section`, placed among its children
    by `position` (a later app adds to an earlier app's section without that app importing it)."""
    _entries.append({"section": section, "title": title, "url_name": url_name, "position": position})


def site_sections():
    # Read on every page; the URLs only change with the URLconf, so resolve them once.
    key = (get_script_prefix(), get_urlconf(), len(_sections), len(_entries))
    if _resolved.get("key") != key:
        _resolved.update(
            key=key,
            sections=[
                {
                    "title": section["title"],
                    "url": reverse(section["url_name"]),
                    "url_name": section["url_name"],
                    "children": [
                        {"title": entry["title"], "url": reverse(entry["url_name"])}
                        for entry in sorted(_entries, key=lambda e: e["position"])
                        if entry["section"] == section["url_name"]
                    ],
                }
                for section in sorted(_sections, key=lambda s: s["position"])
            ],
        )
    return _resolved["sections"]


def section_children(url_name) -> list[dict]:
    """The entries of the section registered with `url_name` (none if it is not registered)."""
    return next((s["children"] for s in site_sections() if s["url_name"] == url_name), [])


_resolved = {}
