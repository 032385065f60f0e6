"""Error pages in the site's look: a helpful message, never a stack trace."""

from django.http import HttpResponseServerError
from django.template import loader

from core.http import bad_request_page
from core.pages import PageMeta, render_page


def handler400(request, exception=None):
    return bad_request_page(request, "请求无效")


def handler404(request, exception=None):
    return render_page(request, "404.html", PageMeta(name="页面未找到"), status=404)


def handler500(request):
    # Rendered without a request (so without context processors and their queries),
    # in case the database is what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
