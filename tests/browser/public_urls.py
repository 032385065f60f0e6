"""Every public page type, in one place: the axe, Nu HTML Checker, reflow and elder-mode
checks all walk this list.

Besides the pages the foundation guarantees, it discovers the rest at run time, so pages
that proposals/, communities/, search/ (or any later app) add are checked without editing
this file:
- every named URL that needs no arguments and answers 200 with HTML (this skips CSV/JSON
  exports, feeds, redirects to a login and POST-only endpoints);
- for URLs with arguments, one object per URL name, found through `get_absolute_url()` on
  the project's models (the first that answers 200, so drafts are passed over);
- a results page for every search form (its action, queried with a common word), and the
  site search's grouped results and its suggestion for a typo.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

PROJECT_APPS = ("portal", "disclosures", "proposals", "communities", "agencies", "annualreports", "search")
# Apps whose pages must appear in the list once they have any URL at all.
FEATURE_APPS = ("proposals", "communities", "agencies", "annualreports", "search")
SKIP_NAMESPACES = {"admin"}
SKIP_VIEW_NAMES = {"portal:preferences"}  # sets a cookie and redirects
NOT_FOUND_URL = "/no-such-page/"
SEARCH_WORD = "提案"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"


@dataclass(frozen=True)
class PublicPage:
    name: str
    url: str
    status: int = 200

    def __str__(self):
        return f"{self.name} {self.url}"


def core_pages(seed_record):
    """The page types every build has; a missing one is a failure, not a skip."""
    catalogue = reverse("disclosures:catalogue")
    return [
        PublicPage("portal:home", reverse("portal:home")),
        PublicPage("disclosures:catalogue", catalogue),
        PublicPage("disclosures:catalogue (筛选出错)", catalogue + "?year=abc", 400),
        PublicPage("disclosures:record_detail (种子页)", seed_record.get_absolute_url()),
        PublicPage("disclosures:guide", reverse("disclosures:guide")),
        PublicPage("disclosures:policy", reverse("disclosures:policy")),
        PublicPage("portal:sitemap", reverse("portal:sitemap")),
        PublicPage("portal:accessibility", reverse("portal:accessibility")),
    ]


def public_pages(seed_record):
    """Core pages, then every discovered page, then the 404 page."""
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    pages = core_pages(seed_record)
    seen_names = {_view_name(page.url) for page in pages}
    seen_urls = {page.url for page in pages}

    def add(name, url):
        if url in seen_urls or name in seen_names:
            return False
        html = _html_or_none(client, url)
        if html is None:
            return False
        pages.append(PublicPage(name, url))
        seen_names.add(name)
        seen_urls.add(url)
        return True

    for name in _view_names_without_arguments():
        add(name, reverse(name))
    for name, url in _sample_object_urls():
        add(name, url)
    for name, url in _sample_agency_urls():
        add(name, url)
    for name, url in _sample_published_cases():
        add(name, url)
    for page in list(pages):
        for action, field in _search_forms(_html_or_none(client, page.url) or ""):
            target = action or page.url.split("?")[0]
            add(f"{_view_name(target)} ({field}={SEARCH_WORD})", f"{target}?{urlencode({field: SEARCH_WORD})}")
    # Search results grouped by record (a letter, its reply, the facts quoted from it under
    # <details>), and a query without hits that offers “您是不是要找”.
    for label, word in (("grouped", "社区"), ("suggestion", "停车为")):
        add(f"search:results ({label})", f"{reverse('search:results')}?{urlencode({'q': word})}")
    pages.append(PublicPage("404", NOT_FOUND_URL, 404))
    return pages


def namespaces_with_urls():
    """The feature apps that have at least one URL (so their pages must be in the list)."""
    resolver = get_resolver()
    return [ns for ns in FEATURE_APPS if ns in resolver.namespace_dict and resolver.namespace_dict[ns][1].url_patterns]


def _view_name(url):
    try:
        return resolve(url.split("?")[0]).view_name
    except Resolver404:
        return None


def _html_or_none(client, url):
    response = client.get(url)
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return None
    return response.content.decode()


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace in SKIP_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def _view_names_without_arguments():
    names = []
    for name in _walk(get_resolver().url_patterns):
        if name in SKIP_VIEW_NAMES or name in names:
            continue
        try:
            reverse(name)
        except (NoReverseMatch, ValueError):  # needs arguments, or a regex Django cannot reverse
            continue
        names.append(name)
    return sorted(names)


def _sample_object_urls(tries=10):
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or not hasattr(model, "get_absolute_url"):
            continue
        if model.__name__.startswith("Historical"):
            continue
        for obj in model._default_manager.order_by("pk")[:tries]:
            try:
                url = obj.get_absolute_url()
            except Exception:  # an object without the data its URL needs: try the next one
                continue
            name = _view_name(url)
            if name and name not in SKIP_VIEW_NAMES:
                yield name, url


def _sample_agency_urls():
    """Each page of an agency's 政府信息公开 section (/gk/<code>/…), for the seed's agencies:
    the district (which lists its departments) first, then a department."""
    from django.db.models import F

    from disclosures.models import Organization

    codes = list(
        Organization.objects.exclude(section_code=None)
        .order_by(F("parent").asc(nulls_first=True), "name")
        .values_list("section_code", flat=True)[:2]
    )
    from agencies.models import StatutoryColumn

    column = StatutoryColumn.objects.filter(children=None).order_by("position", "pk").first()
    for name in _walk(get_resolver().url_patterns):
        if not name.startswith("agencies:"):
            continue
        for code in codes:
            for args in ([code], [code, column.pk] if column else None):
                try:
                    yield f"{name} ({code})", reverse(name, args=args)
                    break
                except NoReverseMatch:
                    continue


def _sample_published_cases():
    """A published 依申请公开 case's page (a case's own URL is its staff page): the demo's is
    answered again, so its 重新答复 section is checked too."""
    from inforequests.models import Case

    case = Case.objects.published().order_by("pk").first()
    if case is not None:
        yield "inforequests:published", reverse("inforequests:published", args=[case.number])


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)


def _search_forms(html):
    """(action, field name) of each GET form with an <input type="search">."""
    found = []
    for attributes, body in _FORM.findall(html):
        if re.search(r'method="post"', attributes, re.IGNORECASE):
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        for tag in _INPUT.findall(body):
            name = re.search(r'name="([\w-]+)"', tag)
            if 'type="search"' in tag and name:
                found.append((action.group(1) if action else "", name.group(1)))
    return found
