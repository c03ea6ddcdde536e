"""Spreadsheet cells as readers yield them, and the rules that read a typed value from one.

A reader hands over plain values (see `custody_core.ports.spreadsheets`); a
template column says which type it wants. Each `read_*` function takes one
cell and returns the value, None for an empty cell, or raises `BadCell`
saying what was expected. They run once per cell of a 100,000-row registry,
so the common case (the cell already has the wanted type) is tried first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from custody_core.domain import codes
from custody_core.domain.codes import Code
from custody_core.domain.messages import Expected, expect

Cell = None | str | int | Decimal | bool | date | datetime | time


class BadCell(Exception):
    """A cell that does not hold the wanted type; `code` names the problem, `expected` how
    the value should look (examples of it, or the values it may take)."""

    def __init__(self, code: Code, expected: Expected | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.expected = expected


#: Day 0 of Excel's 1900 date system as Python counts it (Excel's fictitious 29 Feb 1900
#: makes day 60 ambiguous; serials from 61 on, i.e. from March 1900, are exact).
EXCEL_EPOCH = date(1899, 12, 30)
#: 31 Dec 9999, the last date Excel shows.
_LAST_SERIAL = 2_958_465
_SPACES = str.maketrans("", "", " \u00a0\u202f\t")
TRUE_WORDS = frozenset({"да", "д", "yes", "y", "true", "истина", "1", "+", "x", "v"})
FALSE_WORDS = frozenset({"нет", "н", "no", "n", "false", "ложь", "0", "-"})


#: What a cell of each kind should look like: examples, or the words it may hold.
_WHOLE = expect("example", example="12")
_NUMBERS = {
    separator: expect("example", example=example)
    for separator, example in (
        ("auto", "1 234,50 / 1234.50"),
        (",", "1 234,50"),
        (".", "1234.50"),
    )
}
_BOOLEANS = expect("one_of", choices=("да/нет", "yes/no", "1/0"))


def read_text(cell: Cell) -> str | None:
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, Decimal):
        return format(cell, "f")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


def read_integer(cell: Cell) -> int | None:
    if isinstance(cell, int) and not isinstance(cell, bool):
        return cell
    if cell is None:
        return None
    number = read_decimal(cell, "auto", codes.Cell.NOT_INTEGER, _WHOLE)
    if number is None or number != number.to_integral_value():
        raise BadCell(codes.Cell.NOT_INTEGER, _WHOLE)
    return int(number)


def read_decimal(
    cell: Cell,
    separator: str = "auto",
    code: Code = codes.Cell.NOT_DECIMAL,
    expected: Expected | None = None,
) -> Decimal | None:
    """A number; text may group thousands with spaces and use a comma or a dot (`separator`)."""
    if isinstance(cell, Decimal) or (isinstance(cell, int) and not isinstance(cell, bool)):
        return Decimal(cell)
    if cell is None:
        return None
    expected = expected or _NUMBERS[separator]
    if not isinstance(cell, str):
        raise BadCell(code, expected)
    text = cell.translate(_SPACES)
    if separator != "." and "," in text:
        if "." in text or text.count(",") > 1:
            raise BadCell(code, expected)
        text = text.replace(",", ".")
    elif separator == "," and "." in text:
        raise BadCell(code, expected)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadCell(code, expected) from None
    if not number.is_finite():
        raise BadCell(code, expected)
    return number


def read_date(cell: Cell, formats: Sequence[str]) -> date | None:
    """A date: a date cell, an Excel serial number, or text in one of `formats`."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if cell is None:
        return None
    expected = expect("example", example=" / ".join(_example(form) for form in formats))
    if isinstance(cell, str):
        text = cell.strip()
        for form in formats:
            try:
                return datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar day
            except ValueError:
                continue
        if not text.isdigit():
            raise BadCell(codes.Cell.NOT_DATE, expected)
    serial = read_decimal(cell, ".", codes.Cell.NOT_DATE, expected) if cell is not True else None
    if serial is None or serial != serial.to_integral_value() or not 1 <= serial <= _LAST_SERIAL:
        raise BadCell(codes.Cell.NOT_DATE, expected)
    return EXCEL_EPOCH + timedelta(days=int(serial))


def read_boolean(cell: Cell) -> bool | None:
    if isinstance(cell, bool):
        return cell
    if cell is None:
        return None
    if isinstance(cell, int) and cell in (0, 1):
        return bool(cell)
    if isinstance(cell, str):
        word = cell.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise BadCell(codes.Cell.NOT_BOOLEAN, _BOOLEANS)


def _example(form: str) -> str:
    return date(2026, 12, 31).strftime(form)


CellReader = Callable[[Cell], object]
