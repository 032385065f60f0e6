"""{% result_rows cl %}: Django's {% result_list cl %} (the same template, the same markup) with
the rows rendered by core.changelists.result_rows, for the changelists of large tables."""

from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode

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
