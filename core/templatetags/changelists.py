"""{% result_rows cl %}: Django's {% result_list cl %} (the same template, the same markup) with
the rows rendered by core.changelists.result_rows, for the changelists of large tables."""

from django import template
from django.contrib.admin.templatetags.admin_list import admin_list_filter, result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template.loader import get_template
from django.utils.translation import get_language

from core.changelists import result_rows

register = template.Library()


def _result_rows_context(cl):
    # admin_list.result_list, but for its rows.
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": list(result_rows(cl)),
    }


@register.tag(name="result_rows")
def result_rows_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=_result_rows_context, template_name="change_list_results.html", takes_context=False
    )


# Rendered filters by what their template reads; the bound is a safeguard.
_FILTERS = {}
MAX_FILTERS = 2048


@register.simple_tag
def list_filter(cl, spec):
    """Django's {% admin_list_filter cl spec %}, each rendering kept in the process by what the
    template reads (the title and every choice's link, text and state, in this language): the
    same few filters are rendered again on every page of a changelist."""
    if spec.template != "admin/filter.html":
        return admin_list_filter(cl, spec)
    choices = list(spec.choices(cl))
    key = (
        spec.template,
        get_language(),
        str(spec.title),
        tuple(tuple(sorted((name, str(value)) for name, value in choice.items())) for choice in choices),
    )
    html = _FILTERS.get(key)
    if html is None:
        if len(_FILTERS) >= MAX_FILTERS:
            _FILTERS.clear()
        html = _FILTERS[key] = get_template(spec.template).render(
            {"title": spec.title, "choices": choices, "spec": spec}
        )
    return html
