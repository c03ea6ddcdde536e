"""Collecting validation: gather every problem in the input, then raise once.

A user fixing a form wants all of its mistakes at once, not one per attempt.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Collection, Iterable, Sized
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ParamSpec, TypeVar

from custody_core.domain import codes, numbers
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.text import control_characters

T = TypeVar("T")
P = ParamSpec("P")
E = TypeVar("E", bound=enum.Enum)

CODE_LENGTH = 64
NAME_LENGTH = 255
#: Free text: an address, a comment, a cargo description, a reason.
TEXT_LENGTH = 1000
#: Entries a use case takes in one list argument (the shipments of an act, the lines of a
#: receipt) unless the application is opened with another `max_list_length`.
MAX_LIST_LENGTH = 10_000
#: The largest whole number storage keeps (SQLite INTEGER, PostgreSQL BIGINT).
MAX_WHOLE = 2**63 - 1


class Checks:
    """Run checks that may fail, remember their problems, raise them together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def attempt(self, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """The check's result, or None after recording its problems."""
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            self.problems.extend(error.problems)
            return None

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def text(
        self,
        value: object,
        field: str,
        max_length: int = NAME_LENGTH,
        *,
        multiline: bool = False,
    ) -> str:
        """A stripped, non-blank string of at most `max_length` characters and no control
        characters ("" when wrong). A `multiline` text keeps its line breaks (a Windows
        line end becomes one) and tabs."""
        if not isinstance(value, str) or not value.strip():
            self.add(Problem(codes.Text.BLANK, field, value))
            return ""
        stripped = value.strip()
        if multiline:
            stripped = stripped.replace("\r\n", "\n")
        problem = text_problem(stripped, field, max_length, multiline=multiline)
        if problem is not None:
            self.add(problem)
            return ""
        return stripped

    def optional_text(
        self,
        value: object,
        field: str,
        max_length: int = NAME_LENGTH,
        *,
        multiline: bool = False,
    ) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.text(value, field, max_length, multiline=multiline) or None

    def quantity(self, value: object, scale: int, field: str) -> Decimal:
        """A valid quantity, or zero after recording why it is not."""
        checked = self.attempt(numbers.quantity, value, scale, field)
        return Decimal(0) if checked is None else checked

    def money(self, value: object, field: str) -> Decimal:
        checked = self.attempt(numbers.money, value, field)
        return Decimal(0) if checked is None else checked

    def done(self) -> None:
        """Raise every problem found so far as one ValidationError."""
        if self.problems:
            raise ValidationError(self.problems)


def storable(text: str) -> bool:
    """Text a database can store: UTF-8 (no half of a surrogate pair) without NUL, which
    PostgreSQL refuses in text."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Arguments of use cases that are not forms: each is checked on its own, and a
# wrong one is a ValidationError naming its field instead of a crash deeper in.


def whole_number(value: object, field: str) -> int:
    """A positive whole number: an order, shipment or version number, a year."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WHOLE:
        raise ValidationError(
            [Problem(codes.Value.INVALID, field, value, expect("whole_from", low=1))]
        )
    return value


def reference(value: object, field: str, max_length: int = CODE_LENGTH) -> str:
    """A code, number or name to look something up by, refused before the lookup when no
    stored one could be it: not a string, longer than `max_length`, or with a control
    character."""
    if not isinstance(value, str):
        raise ValidationError(
            [
                Problem(
                    codes.Value.WRONG_TYPE, field, type(value).__name__, expect("type", type="str")
                )
            ]
        )
    problem = text_problem(value, field, max_length)
    if problem is not None:
        raise ValidationError([problem])
    return value


def optional_reference(value: object, field: str, max_length: int = CODE_LENGTH) -> str | None:
    return None if value is None else reference(value, field, max_length)


def is_reference(value: object, max_length: int = CODE_LENGTH) -> bool:
    """Whether `value` could be a stored code: what a batch lookup may ask for."""
    return isinstance(value, str) and text_problem(value, "", max_length) is None


def text_problem(
    value: str, field: str, max_length: int, *, multiline: bool = False
) -> Problem | None:
    """Why `value` may not be stored, or None. Neither problem shows the value: it is
    too long to, or it could rewrite the message it would be shown in."""
    if len(value) > max_length:
        return Problem(
            codes.Text.TOO_LONG, field, expected=expect("at_most_chars", count=max_length)
        )
    if control_characters(value, multiline=multiline):
        return Problem(codes.Text.CONTROL_CHARACTERS, field)
    return None


def bounded(values: Iterable[T], field: str, limit: int) -> tuple[T, ...]:
    """`values`, refused when there are more than `limit`: what one call costs must not
    grow without bound with what a client sends. Checked before anything is looked up;
    an iterator is read no further than one entry past the limit."""
    if isinstance(values, Sized) and len(values) > limit:
        raise ValidationError(
            [Problem(codes.List.TOO_LONG, field, len(values), expect("at_most", limit=limit))]
        )
    taken = tuple(itertools.islice(values, limit + 1))
    if len(taken) > limit:
        raise ValidationError(
            [Problem(codes.List.TOO_LONG, field, f"{limit + 1}+", expect("at_most", limit=limit))]
        )
    return taken


def optional_day(value: object, field: str) -> date | None:
    """A calendar date (not a datetime), or None."""
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError([Problem(codes.Value.INVALID, field, value, expect("date"))])
    return value


def optional_instant(value: object, field: str) -> datetime | None:
    """An instant (an aware datetime), in UTC, or None; a naive datetime says no zone."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError([Problem(codes.Value.INVALID, field, value, expect("instant"))])
    return value.astimezone(UTC)


def members(values: object, field: str, kind: type[E]) -> frozenset[E] | None:
    """A collection of `kind` members (or their values), or None for "any"."""
    if values is None:
        return None
    if isinstance(values, str) or not isinstance(values, Collection):
        raise ValidationError(
            [Problem(codes.Value.INVALID, field, values, expect("collection", type=kind.__name__))]
        )
    try:
        return frozenset(value if isinstance(value, kind) else kind(value) for value in values)
    except ValueError:
        allowed = expect("one_of", choices=tuple(kind))
        raise ValidationError(
            [Problem(codes.Value.INVALID, field, sorted(map(str, values)), allowed)]
        ) from None
