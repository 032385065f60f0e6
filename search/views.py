from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from audit.services import audit_export
from core.csv import csv_response
from core.http import numbered_page
from core.pages import PageMeta
from core.rendering import keep_response

from . import facets as facet_counts
from . import guard, selectors
from .exports import search_columns
from .forms import SearchForm

PAGE_SIZE = 20
PAGE = PageMeta(name="站内搜索", crumbs=(("站内搜索", None),))
HIDDEN_FILTERS = ("type", "publisher", "topic", "year", "validity", "sort")
FACET_TITLES = {"type": "类型", "publisher": "发布机构", "topic": "主题分类", "year": "年份", "validity": "有效性"}


def _params_without(request, *names) -> dict:
    return {key: value for key, value in request.GET.items() if key not in names and value}


def _params_only(request, *names) -> dict:
    return {key: value for key, value in request.GET.items() if key in names and value}


def _facet_links(request, facets):
    """Each value links to the current search narrowed to it, or widened again if selected."""
    for facet in facets.values():
        for value in facet:
            params = _params_without(request, "page", "format", value.param)
            if not value.selected:
                params[value.param] = value.value
            value.url = "?" + urlencode(params)
    return facets


# “相关检索”: the query narrowed to the largest parts of its results, from these facets.
RELATED_FACETS = ("type", "topic")
RELATED_SEARCHES = 4


def _related_searches(query, facets, count) -> list[tuple[str, str, int]]:
    """(label, url, count) of the biggest unselected facet values that narrow the results."""
    values = [
        value
        for name in RELATED_FACETS
        for value in facets.get(name, [])
        if not value.selected and 0 < value.count < count
    ]
    values.sort(key=lambda value: -value.count)
    return [(f"{query.raw} · {value.label}", value.url, value.count) for value in values[:RELATED_SEARCHES]]


def _suggestion_link(request, query, filters):
    """(words, link) for “您是不是要找”, keeping the reader's filters, or None."""
    words = selectors.search_suggestion(query=query, filters=filters)
    return (words, "?" + urlencode({**_params_without(request, "page", "format", "q"), "q": words})) if words else None


@keep_response
def results(request):
    """Kept whole per query string and generation (core.rendering), like the catalogue: a
    popular query asked again by readers the page cache cannot serve costs a lookup. A new
    query still runs in full; refusals and the CSV export are never kept."""
    form = SearchForm(request.GET)
    context = {
        "form": form,
        "column": PAGE,
        "crumbs": PAGE.crumbs,
        "sort_choices": selectors.SORTS,
        # The date-range form keeps the facets already chosen, but not one the form refused (a
        # year out of range, a publisher since removed, from an old link): it has no field on
        # the page, so the next search typed into the box would fail with it again.
        "hidden_filters": [
            (name, request.GET[name]) for name in HIDDEN_FILTERS if request.GET.get(name) and name not in form.errors
        ],
    }
    if not form.is_valid():
        return render(request, "search/results.html", context, status=400)
    query = form.parsed_query
    if query is None:
        context["prompt"] = "请输入检索词，例如“社区治理”、索引号或文号“官办通〔2020〕26号”。"
        return render(request, "search/results.html", context)
    wants_csv = request.GET.get("format") == "csv"
    if not wants_csv and not form.has_filters and "page" not in request.GET:
        url = selectors.number_redirect_url(query.raw)
        if url:
            return HttpResponseRedirect(url)
    try:
        with guard.guarded():
            found = selectors.search(query=query, filters=form.filters, sort=form.sort_order)
            if wants_csv:
                audit_export(request, "检索结果.csv")
                return csv_response(
                    filename="检索结果.csv", columns=search_columns(request.build_absolute_uri), queryset=found.queryset
                )
            # Results, not documents: the matches grouped under their record count once.
            result_count = len(found.groups)
            page = numbered_page(request, found.groups, PAGE_SIZE, count=result_count)["page"]
            hits = selectors.search_hits(documents=page.object_list, query=query)
            suggestion = _suggestion_link(request, query, form.filters) if not found.count else None
    except guard.SearchRefused as refused:
        return _refused(request, context, refused.reason)
    context.update(
        {
            "query": query,
            "page": page,
            "hits": hits,
            # Results, as listed and paged (a record with its reply and the facts quoting it is
            # one); the documents behind them said beside, when more. A capped count is the
            # documents' estimate.
            "count_label": found.count_label if found.capped else facet_counts.count_label(result_count, False),
            "documents_count": found.count if not found.capped and found.count > result_count else None,
            "capped": found.capped,
            "facets_sampled": any(value.at_least for values in found.facets.values() for value in values),
            "count_cap_label": facet_counts.round_figure(facet_counts.COUNT_CAP),
            "suggestion": suggestion,
            "facets": _facet_links(request, found.facets),
            "facets_shown": any(found.facets.values()),
            # Nothing found under the chosen filters lists none of them to unselect: one link
            # drops them all (the date range too), keeping the words and the order.
            "clear_filters_url": "?" + urlencode(_params_only(request, "q", "sort"))
            if form.has_filters and not found.count
            else "",
            "related_searches": _related_searches(query, found.facets, found.count),
            "facet_titles": FACET_TITLES,
            "query_string": urlencode(_params_without(request, "page", "format")),
            "csv_query": urlencode({**_params_without(request, "page", "format"), "format": "csv"}),
            "sort": form.sort_order,
            "sort_links": {
                key: "?" + urlencode({**_params_without(request, "page", "format", "sort"), "sort": key})
                for key in selectors.SORTS
            },
        }
    )
    return render(request, "search/results.html", context)


REFUSALS = {
    # (status, message): too many searches at once is the site's state, not the reader's doing.
    "busy": (429, "当前检索的人较多，请稍候再试；结果较多时，请增加检索词或选择分类。"),
    "slow": (200, "结果较多，请增加检索词或选择分类（如类型、年份）后再试。"),
}


def _refused(request, context, reason):
    """The search form again, with what to do instead; never kept by the page cache."""
    status, message = REFUSALS[reason]
    request.page_cache_skip = True  # a refusal is this moment's, never kept (it may be a 200)
    response = render(request, "search/results.html", {**context, "prompt": message}, status=status)
    add_never_cache_headers(response)
    if status == 429:
        response["Retry-After"] = "5"
    return response
