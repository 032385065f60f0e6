from .preferences import COOKIE_NAME, ReaderPreferences


class ReaderPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reader = ReaderPreferences.from_cookie(request.COOKIES.get(COOKIE_NAME))
        return self.get_response(request)
