"""Keyset cursors and pages of the built-in backends: how cursors look and are checked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from custody_core.domain.checks import MAX_WHOLE
from custody_core.domain.paging import Page, PageRequest, bad_cursor


def number_cursor(after: str | None) -> int:
    """The integer key after which a page starts (0 for the first page)."""
    if after is None:
        return 0
    if not after.isdigit() or int(after) > MAX_WHOLE:
        raise bad_cursor(after)
    return int(after)


def dated_cursor(after: str) -> tuple[str, str, str]:
    """(document date, posting instant, id) of a "date|instant|id" cursor, checked."""
    parts = after.split("|")
    try:
        day, instant, key = parts
        date.fromisoformat(day)
        datetime.fromisoformat(instant)
        UUID(key)
    except ValueError:
        raise bad_cursor(after) from None
    return day, instant, key


def dated_sequence_cursor(after: str) -> tuple[str, int]:
    """(business date, append sequence) of a "date|sequence" cursor, checked."""
    day, _, sequence = after.partition("|")
    try:
        date.fromisoformat(day)
    except ValueError:
        raise bad_cursor(after) from None
    if not sequence.isdigit() or int(sequence) > MAX_WHOLE:
        raise bad_cursor(after)
    return day, int(sequence)


def text_cursor(after: str | None) -> str:
    """The text key after which a page starts ("" for the first page)."""
    return "" if after is None else after


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
