"""What every reader shares: the normalisation rule and the shape of the rows it yields.

The rule itself is stated in `custody_core.ports.spreadsheets`; `normalise` is
its only implementation, so two readers cannot drift apart. Readers hand it the
raw values of their library; only OOXML text needs a step before it
(`decode_escapes`), which python-calamine takes on its own.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Generator, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Self

from custody_core.ports.spreadsheets import Cell, Row, SheetRequest

#: The last row of an Excel sheet: no reader looks further, whatever a file claims.
EXCEL_ROWS = 1_048_576

_ESCAPE = re.compile(r"_x00([0-9A-Fa-f]{2})_")
_DAY = timedelta(days=1)


def decode_escapes(text: str) -> str:
    """Excel's `_x00HH_` escapes decoded, left to right, as python-calamine decodes them.

    Excel writes them for control characters (`_x000D_`) and for a literal
    `_x` sequence (`_x005F_` is `_`); calamine leaves `_xHHHH_` above U+00FF as
    text, and so does this.
    """
    return _ESCAPE.sub(_unescape, text) if "_x00" in text else text


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def normalise(value: object) -> Cell:
    """A library's cell value under the port's rule.

    Types are matched exactly, most frequent first (this runs once a cell): the
    libraries hand over plain `str`, `float`, `datetime`..., never subclasses.
    """
    if type(value) is str:
        return value.strip() or None
    if type(value) is float or type(value) is int:
        return _number(value)
    if value is None or type(value) is bool:
        return value
    if type(value) is datetime:
        if value.hour or value.minute or value.second:
            return value.replace(microsecond=0) if value.microsecond else value
        return value.date()
    if type(value) is date:
        return value
    if type(value) is time:
        return value.replace(microsecond=0) if value.microsecond else value
    if type(value) is timedelta:
        return _number((value - timedelta(microseconds=value.microseconds)) / _DAY)
    raise TypeError(f"a spreadsheet library returned {type(value).__name__}: {value!r}")


def _number(value: int | float) -> int | Decimal | None:
    """Excel keeps IEEE doubles: an integer is first the double Excel would hold."""
    try:
        number = float(value)
    except OverflowError:
        return None
    if number.is_integer():
        return int(number)
    return Decimal(repr(number)) if math.isfinite(number) else None


def row_cells(values: Iterable[object]) -> tuple[Cell, ...] | None:
    """The normalised cells of a row, or None when none holds a value."""
    cells = tuple(map(normalise, values))
    return None if cells.count(None) == len(cells) else cells


def row_range(request: SheetRequest, limit: int | None = EXCEL_ROWS) -> range:
    """The row numbers a reader reads: the request's, from 1 at least and never past `limit`."""
    ends = [end for end in (request.last_row, limit) if end is not None]
    return range(max(request.first_row, 1), min(ends) + 1 if ends else sys.maxsize)


def rows_hint(claimed_last_row: int | None, rows: range) -> int | None:
    """How many of `rows` a sheet claims to hold; None when it does not say."""
    if claimed_last_row is None:
        return None
    return len(range(rows.start, min(claimed_last_row + 1, rows.stop)))


class Rows:
    """A `SheetRows` over a generator of rows; closing it also runs `release`."""

    def __init__(
        self,
        rows: Generator[Row, None, None],
        total_hint: int | None,
        release: Callable[[], None] | None = None,
    ) -> None:
        self.total_hint = total_hint
        self._rows = rows
        self._release = release

    def __iter__(self) -> Generator[Row, None, None]:
        return self._rows

    def close(self) -> None:
        self._rows.close()
        release, self._release = self._release, None
        if release is not None:
            release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
