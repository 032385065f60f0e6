"""core.http: page numbers and ids from a query string."""

import pytest
from django.http import QueryDict

from core.http import PageNotFound, digits_value, parse_page_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), ("０１２", 12), ("²", None), ("①", None), ("", None), ("-1", None), (" 3", None), ("1_0", None)],
)
def test_digits_value_reads_only_what_int_reads_as_digits(raw, expected):
    assert digits_value(raw, max_digits=9) == expected


def test_digits_value_refuses_more_digits_than_allowed():
    assert digits_value("9" * 10, max_digits=9) is None
    assert digits_value("9" * 5000, max_digits=18) is None


@pytest.mark.parametrize("raw", ["0", "abc", "²", "9" * 10, "51"])
def test_a_bad_page_number_is_a_404_with_a_message_for_the_reader(raw):
    with pytest.raises(PageNotFound, match="页码无效"):
        parse_page_number(QueryDict(f"page={raw}"), highest=50)
    assert parse_page_number(QueryDict("")) == 1
