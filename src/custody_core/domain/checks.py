"""Collecting validation: gather every problem in the input, then raise once.

A user fixing a form wants all of its mistakes at once, not one per attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from custody_core.domain import numbers
from custody_core.domain.errors import Problem, ValidationError

T = TypeVar("T")

CODE_LENGTH = 64
NAME_LENGTH = 255


class Checks:
    """Run checks that may fail, remember their problems, raise them together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def attempt(self, check: Callable[[], T]) -> T | None:
        """The check's result, or None after recording its problems."""
        try:
            return check()
        except ValidationError as error:
            self.problems.extend(error.problems)
            return None

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def text(self, value: object, field: str, max_length: int = NAME_LENGTH) -> str:
        """A stripped, non-blank string of at most `max_length` characters ("" when wrong)."""
        if not isinstance(value, str) or not value.strip():
            self.add(Problem("text.blank", field, value))
            return ""
        stripped = value.strip()
        if len(stripped) > max_length:
            self.add(Problem("text.too_long", field, expected=f"at most {max_length} characters"))
            return ""
        return stripped

    def optional_text(self, value: object, field: str, max_length: int = NAME_LENGTH) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.text(value, field, max_length) or None

    def quantity(self, value: object, scale: int, field: str) -> Decimal:
        """A valid quantity, or zero after recording why it is not."""
        checked = self.attempt(lambda: numbers.quantity(value, scale, field))
        return Decimal(0) if checked is None else checked

    def money(self, value: object, field: str) -> Decimal:
        checked = self.attempt(lambda: numbers.money(value, field))
        return Decimal(0) if checked is None else checked

    def done(self) -> None:
        """Raise every problem found so far as one ValidationError."""
        if self.problems:
            raise ValidationError(self.problems)
