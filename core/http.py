"""HTTP helpers every app's views share: the 400 page, page numbers from the query string."""

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import render


def bad_request_page(request, message, errors=None, *, page_name=""):
    """A 400 in the site's look, naming what was wrong (never a stack trace). `page_name`, the
    list the refused link was for, follows the message in the title."""
    context = {"message": message, "errors": errors or {}, "page_name": page_name}
    return render(request, "400.html", context, status=400)


# The query flag on a page form sent back by /preferences/ (portal.views.preferences) after a
# reader changed a preference with JavaScript off: show the form again as typed.
READER_REPLAY = "reader"


def is_reader_replay(request) -> bool:
    return request.method == "POST" and request.GET.get(READER_REPLAY) == "1"


# Sent by a page form that was shown with its errors (components/reader_page_form_fields.html).
READER_CHECKED = "reader_checked"


def replay_was_checked(request) -> bool:
    """A replayed page form (is_reader_replay) that had been sent back with errors: shown again
    with them, checked but not sent, so a preference change does not hide what to correct."""
    return request.POST.get(READER_CHECKED) == "1"


def replayed_form(request, form_class, **kwargs):
    """A replayed page form as it was typed: checked again only when it had been sent back with
    errors (replay_was_checked), so a preference change neither hides what to correct nor marks
    as wrong what was never sent."""
    if replay_was_checked(request):
        return form_class(request.POST, **kwargs)
    return form_class(initial=request.POST, **kwargs)


def labelled_errors(form) -> dict:
    """A form's errors for a page that shows none of its fields (a 400 for a bad link, filters
    in the address): each message says which field it is about."""
    errors = {}
    for name, messages in form.errors.items():
        label = str(form.fields[name].label or name) if name in form.fields else ""
        errors[name] = [message if not label or label in message else f"{label}：{message}" for message in messages]
    return errors


def digits_value(raw: str, *, max_digits: int) -> int | None:
    """A whole number written only in decimal digits (ASCII or full-width, as copied from a
    document), else None. Every page number, keyset anchor and id from a query string goes
    through here: str.isdigit() also admits "²" and "①", which int() refuses with a ValueError,
    and a length cap keeps int() off strings of over 4,300 digits."""
    if not raw or len(raw) > max_digits or not raw.isdecimal():
        return None
    return int(raw)


# The query parameters that choose a page of a list: numbered (page) or keyset (the catalogue).
PAGING_PARAMS = ("page", "after", "before", "last")


class PageNotFound(Http404):
    """A 404 whose message is written for the reader (a bad page number): the 404 page shows it
    with a link to the list's first page (portal.errors.handler404). Other 404s keep the generic
    text, which tells nothing about what exists."""


def first_page_url(request) -> str:
    """The list `request` asked for, at its first page: the same filters, no paging."""
    query = request.GET.copy()
    for name in PAGING_PARAMS:
        query.pop(name, None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def parse_page_number(params, param="page", *, highest=999_999_999, message="页码无效：页码应为 1 或更大的整数。"):
    """A page number from a query string (request.GET), 1 to `highest`; anything else is a 404
    with `message` for the reader, never a 500."""
    number = digits_value(params.get(param, "1"), max_digits=9)
    if number is None or not 1 <= number <= highest:
        raise PageNotFound(message)
    return number


class NumberedPage(Page):
    @property
    def label(self) -> str:
        """What page titles add after the first page (as the catalogue's keyset pages do)."""
        return f"第 {self.number} 页，共 {self.paginator.num_pages} 页"


class NumberedPaginator(Paginator):
    def _get_page(self, *args, **kwargs):
        return NumberedPage(*args, **kwargs)


def numbered_page(request, queryset, size, *, count=None):
    """{"page", "query_string"} for ?page=N of `queryset` (components/pagination.html): for
    short lists. `count`, when the caller knows it already, saves a COUNT. Deep lists page
    by key instead (disclosures.selectors.record_page)."""
    number = parse_page_number(request.GET)
    paginator = NumberedPaginator(queryset, size)
    if count is not None:
        paginator.count = count
    if number > max(paginator.num_pages, 1):
        raise PageNotFound(f"页码超出范围：共 {max(paginator.num_pages, 1)} 页，没有第 {number} 页。")
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": paginator.page(number), "query_string": query.urlencode()}


class IdConverter:
    """`<id:pk>`: a database id. At most 18 digits, so a number past the 64-bit integer range
    (9223372036854775808) is a 404 rather than an overflow in the database driver."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


class TextConverter:
    """`<text:number>`: one path segment of printable text. A control character (a NUL from
    %00, which PostgreSQL refuses in any query) never reaches a view: the URL is a 404."""

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


class TextPathConverter(TextConverter):
    """`<textpath:index_number>`: like <text:>, slashes allowed (the national 索引号 has one)."""

    regex = r"[^\x00-\x1f\x7f]+"
