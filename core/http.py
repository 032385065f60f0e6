"""HTTP helpers every app's views share: the 400 page, page numbers from the query string."""

from django.http import Http404
from django.shortcuts import render


def bad_request_page(request, message, errors=None):
    """A 400 in the site's look, naming what was wrong (never a stack trace)."""
    return render(request, "400.html", {"message": message, "errors": errors or {}}, status=400)


def parse_page_number(request, param="page"):
    """A page number from the query string; junk, zero or negative → 404, never a 500."""
    raw = request.GET.get(param, "1")
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise Http404("页码无效")
    return int(raw)
