"""Keyset cursors: lists newest first by a date, then id; deep pages cost what page one does."""

import base64
import binascii
import datetime as dt

from django.db.models import Q
from django.utils.http import urlencode

from .framework import MAX_ID, ApiError

# Keyset cursors ----------------------------------------------------------------------------


def encode_cursor(moment: dt.datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        moment = dt.datetime.fromisoformat(moment)
        pk = int(pk)
        if moment.tzinfo is None or not 0 < pk <= MAX_ID:
            raise ValueError(cursor)
        # In UTC, as the database compares it: a crafted offset near the calendar's end
        # (9999-12-31T23:59:59-14:00) overflows here, not in the database driver.
        return moment.astimezone(dt.UTC), pk
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error) as error:
        raise ApiError("cursor 无效：请使用上一页返回的 next_cursor。") from error


def _value(row, path):
    for name in path.split("__"):
        row = getattr(row, name)
    return row


def keyset_page(request, queryset, *, cursor, limit, field="published_at", serialize):
    """One page, newest first by `field` (then id), and the cursor of the next one."""
    queryset = queryset.order_by(f"-{field}", "-pk")
    if cursor:
        moment, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk}))
    rows = list(queryset[: limit + 1])
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(_value(last, field), last.pk) if last else None
    next_url = None
    if next_cursor:
        params = {k: v for k, v in request.GET.items() if k != "cursor"}
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode({**params, 'cursor': next_cursor})}")
    return {"results": [serialize(request, row) for row in rows[:limit]], "next_cursor": next_cursor, "next": next_url}
