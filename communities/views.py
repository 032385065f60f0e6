from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from audit.services import audit_export
from core.http import bad_request_page
from core.pages import in_section, render_page
from core.rendering import keep_response
from core.text import printable

from . import exports, selectors

TAGS = {
    "type": "数据发布",
    "keywords": "社区治理,街道,社区,试点,社区协商,社区工作者",
}
DESCRIPTION = "社区治理数据：街道、社区、试点与协商点位，以及出自已公开政府信息的统计数字。"


def _page(*trail, **tags):
    # Named after the site's district (网站设置), read per page: staff may fill it in later.
    description = selectors.district_name() + DESCRIPTION
    return in_section("社区治理", "communities:index", *trail, description=description, **TAGS, **tags)


@keep_response
def index(request):
    return render_page(request, "communities/index.html", _page(), selectors.overview())


@keep_response
def fact_list(request):
    return render_page(
        request,
        "communities/fact_list.html",
        _page(("全部数据", None), name="社区治理数据"),
        {"groups": selectors.facts_grouped_by_metric()},
    )


@keep_response
def street_detail(request, pk):
    context = selectors.street_detail(pk=pk)
    return render_page(request, "communities/street_detail.html", _page((context["street"].name, None)), context)


@keep_response
def program_list(request):
    return render_page(
        request,
        "communities/program_list.html",
        _page(("试点与点位", None)),
        {
            "programs": selectors.program_list(),
            "streets": selectors.street_list(),
        },
    )


@keep_response
def program_detail(request, slug):
    context = selectors.program_detail(slug=slug)
    return render_page(
        request,
        "communities/program_detail.html",
        _page(("试点与点位", reverse("communities:program_list")), (context["program"].name, None)),
        context,
    )


@keep_response
def metric_detail(request, slug):
    context = selectors.metric_detail(slug=slug)
    return render_page(
        request,
        "communities/metric_detail.html",
        _page(("全部数据", reverse("communities:fact_list")), (context["metric"].name, None)),
        context,
    )


def _export_metric(request):
    """(metric or None, error message or None) from ?metric=slug."""
    slug = request.GET.get("metric", "")
    if not slug:
        return None, None
    metric = selectors.metric_by_slug(slug)
    return metric, None if metric else f"没有标识为“{printable(slug)[:50]}”的指标。"


def facts_csv(request):
    metric, error = _export_metric(request)
    if error:
        return bad_request_page(request, "下载条件无效", {"metric": [error]})
    audit_export(request, "社区治理数据.csv")
    body = exports.facts_csv(selectors.facts_for_export(metric=metric), absolute_url=request.build_absolute_uri)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    name = f"communities-{metric.slug}.csv" if metric else "communities-facts.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def facts_json(request):
    metric, error = _export_metric(request)
    if error:
        return JsonResponse({"error": error}, status=400, json_dumps_params={"ensure_ascii": False})
    audit_export(request, "社区治理数据.json")
    rows = exports.facts_json(selectors.facts_for_export(metric=metric), absolute_url=request.build_absolute_uri)
    return JsonResponse({"count": len(rows), "facts": rows}, json_dumps_params={"ensure_ascii": False, "indent": 1})
