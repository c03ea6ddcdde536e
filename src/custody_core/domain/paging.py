"""Pages of long lists: a limit and an opaque cursor, never an offset.

Keyset cursors stay correct while rows are appended between requests, and
reading page N costs the same as reading page 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from attrs import field, frozen

from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


def _limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise ValidationError(
            [
                Problem(
                    codes.Value.INVALID,
                    "limit",
                    value,
                    expect("whole_between", low=1, high=MAX_LIMIT),
                )
            ]
        )
    return value


#: Longer than any cursor a list hands out.
CURSOR_LENGTH = 200


def _cursor(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > CURSOR_LENGTH):
        raise bad_cursor(value)
    return value


@frozen
class PageRequest:
    """At most `limit` rows after the cursor `after` (from a previous page's `next_after`)."""

    limit: int = field(default=DEFAULT_LIMIT, converter=_limit)
    after: str | None = field(default=None, converter=_cursor)


@frozen
class Page(Generic[T]):
    """Rows of one page; `next_after` is the cursor of the next page, None on the last."""

    items: tuple[T, ...]
    next_after: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def bad_cursor(cursor: object) -> ValidationError:
    """The error for a cursor this list did not hand out."""
    return ValidationError([Problem(codes.Value.INVALID, "after", cursor, expect("cursor"))])
