"""Old addresses answer with a 301 (research §6: the dead-link checks of 政府网站 inspections).

Consulted only when the site itself has no page (a 404), so a page that exists is never
shadowed and an ordinary request costs nothing; the old query string takes part in the
match (`/xxgk/detail.jsp?id=123`)."""

from django.http import HttpResponsePermanentRedirect

from .selectors import redirect_target


class LegacyRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        target = redirect_target(path=request.path, query=request.META.get("QUERY_STRING", ""))
        return HttpResponsePermanentRedirect(target) if target else response
