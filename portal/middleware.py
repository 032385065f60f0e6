from django.utils.cache import patch_vary_headers

from .preferences import COOKIE_NAME, ReaderPreferences


class ReaderPreferencesMiddleware:
    """Reads the `reader` cookie into `request.reader`; pages render with its classes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reader = ReaderPreferences.from_cookie(request.COOKIES.get(COOKIE_NAME))
        response = self.get_response(request)
        # HTML differs by preference, so shared caches must key on the cookie.
        if response.get("Content-Type", "").startswith("text/html"):
            if "Vary" in response:
                patch_vary_headers(response, ["Cookie"])
            else:
                response["Vary"] = "Cookie"
        return response
