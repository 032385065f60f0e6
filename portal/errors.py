"""Error pages in the site's look: a helpful message, never a stack trace."""

from django.http import HttpResponseServerError
from django.template import loader

from core.http import PageNotFound, bad_request_page, first_page_url
from core.pages import PageMeta, render_page


def handler400(request, exception=None):
    return bad_request_page(request, "请求无效")


def handler403(request, exception=None):
    return render_page(request, "403.html", PageMeta(name="无权访问"), status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's stock page carries inline CSS that the site's CSP blocks, and
    says nothing a reader can act on. The reason is for developers, never shown."""
    return render_page(request, "403.html", PageMeta(name="页面已过期"), {"csrf": True}, status=403)


def handler404(request, exception=None):
    # Only a PageNotFound's message is written for readers; any other 404's text may name what
    # exists (or once did), so those get the generic page.
    context = {}
    if isinstance(exception, PageNotFound):
        context = {"message": str(exception), "first_page": first_page_url(request)}
    return render_page(request, "404.html", PageMeta(name="页面未找到"), context, status=404)


def handler500(request):
    # Rendered without a request (so without context processors and their queries),
    # in case the database is what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
