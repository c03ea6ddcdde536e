"""The spreadsheet-reader port: the rows of one sheet as normalised cells, whatever the format.

A reader adapter (openpyxl, python-calamine, csv, or a plugin's) turns a file
into rows of plain Python values, so the registry importer never knows which
library read the file. Every adapter follows one normalisation rule, so two
readers of the same workbook yield identical rows:

- an empty cell, or text that is empty once trimmed, is None;
- text is trimmed of surrounding whitespace (`str.strip`); in .xlsx/.xlsm text
  Excel's `_x00HH_` escapes (such as `_x000D_`, and `_x005F_` for `_`) are
  decoded once, left to right; `_xHHHH_` above U+00FF is left as written
  (python-calamine decodes no further, and Excel writes no such escape);
- booleans stay `bool`; a number is the double Excel keeps: a whole one is
  `int`, any other the `Decimal` of its shortest representation
  (`Decimal(repr(x))`); one a double cannot hold (infinite, NaN) is None;
- a date-formatted cell at midnight is a `date`, with a time of day a naive
  `datetime`; a time-only cell is a `time`; both are cut to the whole second
  (openpyxl and calamine round the serial's milliseconds differently); a
  duration cell (`[h]:mm`) is its length in days, a number as above;
- an error cell (`#N/A`, `#DIV/0!`, ...) is None: python-calamine reports
  error cells as empty, so no reader can be held to telling them apart (a
  required column then reports the cell as missing);
- a formula reads as its cached value (never evaluated); none cached is None;
- a merged range holds its value in its top-left cell, the rest are None;
- hidden rows and columns are read like any other.

Rows come as `(row_number, cells)`: the 1-based row number in the sheet and
exactly `request.width` cells (columns A onwards). Rows with no value within
that width are not yielded. Nothing beyond `request.width` columns or
`request.last_row` is ever read, whatever dimension the sheet claims.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from attrs import frozen

from custody_core.domain.cells import Cell

__all__ = [
    "Cell",
    "ReadLimits",
    "Row",
    "SheetRequest",
    "SheetRows",
    "SpreadsheetReader",
]

Row = tuple[int, tuple[Cell, ...]]

_MIB = 1024 * 1024


@frozen
class SheetRequest:
    """Which cells to read: a sheet by name or 1-based position, rows and a width."""

    sheet: str | int = 1
    first_row: int = 1
    #: Inclusive; None reads to the last row that holds data.
    last_row: int | None = None
    #: Columns A.. to read; a template's widest column decides it.
    width: int = 1


@frozen
class ReadLimits:
    """Bounds a reader enforces before its library parses what they bound.

    With the defaults no accepted file makes a workbook reader (openpyxl or
    python-calamine, any format) hold more than about 256 MiB of resident
    memory, the interpreter's own included; a refusal names the field to raise.
    """

    #: Size of the file itself.
    max_file_bytes: int = 200 * _MIB
    #: Sum of the declared uncompressed sizes of an archive's members (zip bomb guard).
    max_unpacked_bytes: int = 256 * _MIB
    #: How many times its own size an archive may unpack to (zip bomb guard); real
    #: workbooks stay under 200 (a registry of identical rows saved as .ods: 176).
    max_compression_ratio: int = 250
    #: Size cap of readers that load a whole file into memory (python-calamine).
    max_loaded_bytes: int = 50 * _MIB
    #: Memory a reader may take for one file, as estimated from what the file declares
    #: before the library allocates it: calamine's cell grid and text, openpyxl's shared
    #: strings and the parts it parses whole.
    max_memory_bytes: int = 200 * _MIB


class SheetRows(Protocol):
    """An open sheet: iterate once for its rows, close when done (a context manager)."""

    #: Rows the sheet claims in the requested range, for progress; None when unknown.
    #: Only a hint: a forged dimension makes it wrong, never makes more rows read.
    total_hint: int | None

    def __iter__(self) -> Iterator[Row]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class SpreadsheetReader(Protocol):
    """Opens files of some types; raises only `SpreadsheetError` for a file it cannot read."""

    #: Lower-case file name suffixes this reader reads (".xlsx", ".csv").
    suffixes: frozenset[str]
    #: True when memory stays constant whatever the file size; a reader that loads a
    #: whole sheet is chosen by default only for types no streaming reader reads.
    streaming: bool

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> SheetRows:
        """The requested rows of the file at `path`, after the limits are checked."""
        ...
