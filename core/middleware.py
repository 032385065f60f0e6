"""Middleware with no domain knowledge: who made a change (simple_history) and the
Content-Security-Policy header."""

import functools
from http import HTTPStatus

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from simple_history.middleware import HistoryRequestMiddleware as RecordChangesBy


def HistoryRequestMiddleware(get_response):  # noqa: N802  (a middleware factory, named like simple_history's)
    """simple_history's middleware, which records who made a change, for requests that can
    make one: a GET or HEAD changes nothing here, and setting its request-local on every page
    view cost more than the rest of the middleware together."""
    record_changes_by = RecordChangesBy(get_response)

    def middleware(request):
        if request.method in ("GET", "HEAD"):
            return get_response(request)
        return record_changes_by(request)

    return middleware


_PER_VIEW_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


@functools.cache
def _site_policy_headers():
    """The site-wide policy headers, as django-csp builds them for a response without a nonce
    or a per-view change; None when URL prefixes are excluded (then it is per request)."""
    headers = []
    for header, name, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
            return None
        value = build_policy(**vars(PolicyParts()), report_only=report_only)
        if value:
            headers.append((header, value))
    return tuple(headers)


@functools.partial(setting_changed.connect, weak=False)
def _forget_site_policy(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policy_headers.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site-wide policy built once per process instead of
    for every response (a copy of the settings and a join per directive each time). A
    response that used a nonce, changes the policy per view or already has a header goes
    through django-csp unchanged."""

    def process_response(self, request, response):
        headers = _site_policy_headers()
        if (
            headers is None
            or getattr(request, "_csp_nonce", None) is not None
            or HEADER in response
            or HEADER_REPORT_ONLY in response
            or any(hasattr(response, name) for name in _PER_VIEW_POLICY)
            or (settings.DEBUG and response.status_code in (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.NOT_FOUND))
        ):
            return super().process_response(request, response)
        for header, value in headers:
            response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def PermissionsPolicyMiddleware(get_response):  # noqa: N802  (a middleware factory)
    """Permissions-Policy (PERMISSIONS_POLICY): the site uses no camera, microphone, location or
    payment, so no page, nor anything embedded in staff markup, may ask for them."""
    value = getattr(settings, "PERMISSIONS_POLICY", "")

    def middleware(request):
        response = get_response(request)
        if value and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = value
        return response

    return middleware
