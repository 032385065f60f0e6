"""What tests read off pages."""

import re

# Differ on every response by design, not by data.
PER_RESPONSE = [re.compile(r'nonce="[^"]*"'), re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')]


def without_per_response(html: str) -> str:
    """`html` without what every response has anew (a CSP nonce, a CSRF token): two renderings
    of the same content compare equal."""
    for pattern in PER_RESPONSE:
        html = pattern.sub("", html)
    return html


def page_title(response) -> str:
    """The page's <title>, as a screen reader says it when the page loads."""
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
