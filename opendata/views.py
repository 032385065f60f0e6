from audit.services import audit_export
from core.csv import csv_response
from core.http import bad_request_page, labelled_errors
from disclosures import selectors as disclosure_selectors

from .exports import RECORD_CSV_DEFERRED, RECORD_CSV_RELATED, record_columns


def records_csv(request):
    """The 政府信息公开目录 as CSV, narrowed by the same filters as the catalogue page."""
    filterset = disclosure_selectors.record_list(filters=request.GET)
    if not filterset.is_valid():
        return bad_request_page(request, "筛选条件无效", labelled_errors(filterset.form))
    # The body is not a column: leaving it out keeps each fetched chunk small.
    queryset = filterset.qs.select_related(*RECORD_CSV_RELATED).defer(*RECORD_CSV_DEFERRED)
    audit_export(request, "政府信息公开目录.csv")
    return csv_response(
        filename="政府信息公开目录.csv", columns=record_columns(request.build_absolute_uri), queryset=queryset
    )
