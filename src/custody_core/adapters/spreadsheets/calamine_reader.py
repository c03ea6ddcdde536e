"""python-calamine: the reader of .xls, .xlsb and .ods, and of .xlsx/.xlsm when named.

calamine is many times faster than openpyxl but does not stream: it loads the
whole sheet into a dense grid of 32-byte cells spanning the sheet's used range.
So it reads files of at most `limits.max_loaded_bytes`, and the grid an .xlsx
sheet would need is estimated from its cell references before calamine sees
the file: two cells at A1 and XFD1048576, a 1 KB file, make python-calamine
0.9 allocate 512 GiB and abort the whole process (found by experiment).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO

from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
)

from custody_core.adapters.spreadsheets.archive import (
    check_suffix,
    check_workbook,
    malformed,
    pick_sheet,
)
from custody_core.adapters.spreadsheets.cells import Rows, row_cells, row_range, rows_hint
from custody_core.adapters.spreadsheets.memory import MemoryBudget
from custody_core.domain.errors import SpreadsheetError
from custody_core.ports.spreadsheets import ReadLimits, Row, SheetRequest, SheetRows

#: What calamine and the zip scan raise (RuntimeError: zipfile's unsupported compression).
_FAILURES = (CalamineError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error)
#: The size of calamine's cell (`Data`): 2**39 bytes for 1,048,576 x 16,384 cells.
_CELL_BYTES = 32
_OOXML = frozenset({".xlsx", ".xlsm"})
_CHUNK = 1 << 20
#: Past any sheet's last row or column: what a longer reference reads as.
_HUGE = 10**12
_DIGITS = 12
_REFERENCE_ROW = re.compile(rb"""r\s*=\s*["'][A-Za-z]*([0-9]+)["']""")
_REFERENCE_COLUMN = re.compile(rb"""r\s*=\s*["']([A-Za-z]+)[0-9]""")
#: A `<c>` or `<row>` tag whose first attribute is not `r` (plain, then with a namespace
#: prefix: two patterns with a literal start run three times faster than one).
_UNPLACED = tuple(
    re.compile(tag + rb"(?:c|row)(?:[/>]|\s(?!\s*r\s*=))")
    for tag in (rb"<", rb"<[A-Za-z_][\w.-]*:")
)


class CalamineReader:
    suffixes = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
    streaming = False

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> SheetRows:
        suffix = check_suffix(path, self.suffixes)
        check_workbook(path, suffix, limits, loads_whole=True)
        with _reading(path):
            if suffix in _OOXML:
                _check_grid(path, limits)
            workbook = CalamineWorkbook.from_path(path)
        try:
            names = [
                sheet.name
                for sheet in workbook.sheets_metadata
                if sheet.typ == SheetTypeEnum.WorkSheet
            ]
            name = pick_sheet(path, names, request.sheet)
            with _reading(path):
                sheet = workbook.get_sheet_by_name(name)
        except SpreadsheetError:
            workbook.close()
            raise
        rows = row_range(request)
        hint = rows_hint(sheet.end[0] + 1 if sheet.end else 0, rows)
        return Rows(_rows(path, sheet, rows, request.width), hint, workbook.close)


def _rows(path: Path, sheet: CalamineSheet, rows: range, width: int) -> Generator[Row, None, None]:
    """Rows from python-calamine's `iter_rows`, which pads the rows above the used range
    but starts each row at the range's first column."""
    if sheet.start is None or not rows or width <= sheet.start[1]:
        return
    lead: tuple[object, ...] = (None,) * sheet.start[1]
    take = width - len(lead)
    with _reading(path):
        source = islice(sheet.iter_rows(), rows.start - 1, rows.stop - 1)
        for number, values in enumerate(source, rows.start):
            cells = lead + tuple(values[:take])
            row = row_cells(cells + (None,) * (width - len(cells)))
            if row is not None:
                yield number, row


def _check_grid(path: Path, limits: ReadLimits) -> None:
    """Refuse an .xlsx whose largest sheet grid would pass `max_unpacked_bytes`.

    Every member holding a `sheetData` is judged, as a hostile workbook may
    keep a sheet under any name.
    """
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            extent = _Extent()
            with archive.open(member) as stream:
                extent.scan(stream)
            MemoryBudget(path, limits).spend(extent.cells() * _CELL_BYTES)


class _Extent:
    """How far the cells of one XML part can reach, found without parsing it.

    Whatever reads like a reference (`r="XFD9"`, even ending another attribute's
    name, or in text) counts: that can only overestimate, as text cannot hide a
    reference, only add one. A `<row>` or `<c>` without a leading `r` takes the
    place after the one before it; the scan does not know which row a cell is in,
    so each may push the grid one further, down and across (a sheet written
    without references is overestimated).
    """

    def __init__(self) -> None:
        self.sheet = False
        self.bottom = self.right = self.unplaced = 0

    def cells(self) -> int:
        return (self.bottom + self.unplaced) * (self.right + self.unplaced) if self.sheet else 0

    def scan(self, stream: IO[bytes]) -> None:
        """Read in chunks that end before a tag left open, so no tag is cut in two."""
        carry = b""
        for chunk in iter(partial(stream.read, _CHUNK), b""):
            data = carry + chunk
            cut = data.rfind(b"<")
            if cut <= data.rfind(b">"):
                cut = len(data)
            self._add(data[:cut])
            carry = data[cut:]
        self._add(carry)

    def _add(self, data: bytes) -> None:
        self.sheet = self.sheet or b"sheetData" in data
        numbers = _REFERENCE_ROW.findall(data)
        if max(map(len, numbers), default=0) > _DIGITS:
            self.bottom = _HUGE
        else:
            self.bottom = max(self.bottom, max(map(int, numbers), default=0))
        letters = set(_REFERENCE_COLUMN.findall(data))
        self.right = max(self.right, max(map(_column_number, letters), default=0))
        self.unplaced += sum(len(pattern.findall(data)) for pattern in _UNPLACED)


def _column_number(letters: bytes) -> int:
    if len(letters) > 3:
        return _HUGE
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Where calamine (or the zip scan) runs: its failures become SpreadsheetError."""
    try:
        yield
    except PasswordError:
        raise SpreadsheetError("file.encrypted", file=path.name) from None
    except _FAILURES as error:
        raise malformed(path, error) from error
