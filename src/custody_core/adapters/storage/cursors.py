"""Keyset cursors and pages of the built-in backends: how cursors look and are checked.

A cursor comes back from the caller, so it is read as strictly as any input:
a cursor these functions did not hand out is a ValidationError on field
`after`, never a ValueError or a database's complaint about its parts. Parts
are returned in the one form the built-in backends store and compare (ISO
date, UTC instant with microseconds, canonical UUID, ASCII digits).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from custody_core.domain.checks import MAX_WHOLE, storable
from custody_core.domain.paging import Page, PageRequest, bad_cursor


def number_cursor(after: str | None) -> int:
    """The integer key after which a page starts (0 for the first page)."""
    if after is None:
        return 0
    return _whole(after, after)


def dated_cursor(after: str) -> tuple[str, str, str]:
    """(document date, posting instant, id) of a "date|instant|id" cursor, checked."""
    try:
        day, instant, key = after.split("|")
        posted = datetime.fromisoformat(instant)
        if posted.tzinfo is None:
            raise ValueError("a naive instant")
        utc = posted.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return date.fromisoformat(day).isoformat(), utc, str(UUID(key))
    except (ValueError, OverflowError):
        raise bad_cursor(after) from None


def dated_sequence_cursor(after: str) -> tuple[str, int]:
    """(business date, append sequence) of a "date|sequence" cursor, checked."""
    day, _, sequence = after.partition("|")
    try:
        checked_day = date.fromisoformat(day).isoformat()
    except ValueError:
        raise bad_cursor(after) from None
    return checked_day, _whole(sequence, after)


def text_cursor(after: str | None) -> str:
    """The text key after which a page starts ("" for the first page)."""
    if after is None:
        return ""
    if not storable(after):
        raise bad_cursor(after)
    return after


def _whole(digits: str, after: str) -> int:
    """The whole number `digits` spell in ASCII ("²" and "٣" are digits to str.isdigit)."""
    if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_WHOLE:
        raise bad_cursor(after)
    return int(digits)


Keyed = TypeVar("Keyed")


def page_of(
    rows: list[tuple[Any, Keyed]],
    page: PageRequest,
    parse: Callable[[str], Any] = number_cursor,
) -> Page[Keyed]:
    """The page after `page.after` of rows held in memory, keyed by their sort key; `parse`
    reads a cursor into such a key, and a cursor is the key's parts joined by "|"."""
    after = None if page.after is None else parse(page.after)
    ordered = sorted((row for row in rows if after is None or row[0] > after), key=lambda r: r[0])
    chosen = ordered[: page.limit]
    if len(ordered) <= page.limit:
        return Page(tuple(row for _, row in chosen))
    last = chosen[-1][0]
    cursor = "|".join(map(str, last)) if isinstance(last, tuple) else str(last)
    return Page(tuple(row for _, row in chosen), cursor)


def paged(found: list[Keyed], page: PageRequest, cursor: Callable[[Keyed], object]) -> Page[Keyed]:
    """A page of rows read with `LIMIT limit + 1`: the extra row only says a next page exists,
    whose cursor is that of the page's last row."""
    if len(found) <= page.limit:
        return Page(tuple(found))
    return Page(tuple(found[: page.limit]), str(cursor(found[page.limit - 1])))
