"""Keyset cursors of the built-in backends: what they look like and how they are checked."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from custody_core.domain.checks import MAX_WHOLE
from custody_core.domain.paging import bad_cursor


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
