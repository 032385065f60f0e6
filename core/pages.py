"""Page metadata in one place: the 政府网站网页设计规范 page tags (ColumnName, ColumnType, …)
and the breadcrumb trail, which base.html renders once for every page that has one."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse


@dataclass(frozen=True)
class PageMeta:
    # Fragments key on str(): a frozen dataclass's repr names every field, so two pages with
    # the same tags share the rendered head and breadcrumbs.
    name: str = ""
    type: str = "其他"
    description: str = ""
    keywords: str = ""
    # ((title, url or None), …) after 首页; the last is the page itself.
    crumbs: tuple = ()


@dataclass(frozen=True)
class Problem:
    """Why a page could not give what was asked (nothing found, too many tries): said in its
    error summary (components/form_errors.html) and first in its <title>."""

    heading: str
    text: str
    # ((label, url), …): where else to look.
    links: tuple = ()


def in_section(title, url_name, *trail, **tags) -> PageMeta:
    """A page of a section: crumbs 首页 › section › trail…, the section linked when the page is
    below it; named after its last crumb unless `name` says otherwise."""
    crumbs = ((title, reverse(url_name)), *trail) if trail else ((title, None),)
    tags.setdefault("name", crumbs[-1][0])
    return PageMeta(crumbs=crumbs, **tags)


def render_page(request, template_name, meta: PageMeta, context=None, *, status=None):
    """render() with the page's tags and breadcrumbs where base.html looks for them."""
    return render(request, template_name, {**(context or {}), "column": meta, "crumbs": meta.crumbs}, status=status)


def sign_out_page(request, action: str):
    """What opening a sign-out address (a bookmark, a typed URL) shows: signing out is a POST
    with its CSRF token, so this page asks for it with a button posting to `action`."""
    return render_page(request, "registration/sign_out.html", PageMeta(name="退出登录"), {"action": action})
