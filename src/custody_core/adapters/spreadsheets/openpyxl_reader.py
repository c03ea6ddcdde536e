"""The default .xlsx/.xlsm reader: openpyxl in read-only mode, its sheets walked in flat memory.

openpyxl reads the workbook's structure, shared strings and styles, and types
each cell (`WorkSheetParser.parse_cell`: shared strings, dates by number
format, cached formula values). Its read-only sheet loop keeps what it does
not know and a dict of every row's attributes, and builds a row whole before
parsing it; so a sheet is walked here instead (`xml_stream.walk`), one cell
at a time, keeping nothing it has passed. What openpyxl does hold is spent
from the memory budget before it is built: each shared string as it is read
(openpyxl keeps them all), and each part openpyxl parses whole (content
types, workbook, relationships, styles, properties, theme: a styles part of a
million `<xf/>` would take 650 MB) by its size and element count.

openpyxl parses XML with defusedxml whenever it is installed (a dependency
of this project), so entity bombs fail fast; the sheet walk does too.
"""

from __future__ import annotations

import re
import sys
import warnings
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, Any, Literal
from xml.etree.ElementTree import Element

from openpyxl.reader.excel import ExcelReader  # type: ignore[import-untyped]
from openpyxl.utils.cell import range_boundaries  # type: ignore[import-untyped]
from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # type: ignore[import-untyped]
from openpyxl.worksheet._reader import WorkSheetParser  # type: ignore[import-untyped]
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS  # type: ignore[import-untyped]

from custody_core.adapters.spreadsheets.archive import (
    check_suffix,
    check_workbook,
    malformed,
    pick_sheet,
)
from custody_core.adapters.spreadsheets.cells import (
    Rows,
    decode_escapes,
    row_cells,
    row_range,
    rows_hint,
)
from custody_core.adapters.spreadsheets.memory import MemoryBudget
from custody_core.adapters.spreadsheets.package import part_name
from custody_core.adapters.spreadsheets.xml_stream import walk
from custody_core.domain import codes
from custody_core.domain.errors import SpreadsheetError
from custody_core.ports.spreadsheets import ReadLimits, Row, SheetRequest, SheetRows

#: What openpyxl, zipfile and the XML parser raise on a damaged or hostile file
#: (defusedxml's refusals are ValueErrors, expat's ParseError a SyntaxError).
_FAILURES = (
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    SyntaxError,
    EOFError,
    RuntimeError,
    zipfile.BadZipFile,
    zlib.error,
)
#: Rows parsed per step: warnings are silenced per step, never while the caller runs.
#: Small, as a step's cells stay alive for the garbage collector to trace (256 costs 10%).
_BATCH = 32
_STRING = f"{{{SHEET_MAIN_NS}}}si"
_RUN = f"{{{SHEET_MAIN_NS}}}r"
_TEXT = f"{{{SHEET_MAIN_NS}}}t"
_ROW = f"{{{SHEET_MAIN_NS}}}row"
_DIMENSION = f"{{{SHEET_MAIN_NS}}}dimension"
_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"
#: The tail of a sheet's XML searched for its last row's number, and that number.
_TAIL = 1 << 16
_ROW_NUMBER = re.compile(rb"""<(?:[\w.-]+:)?row\s[^<>]*?\br\s*=\s*["']([0-9]{1,7})["']""")
#: What openpyxl holds per element of a part it parses whole, its tree and its objects
#: (570-665 bytes measured with styles of 200,000 `<font/>` or `<xf/>`).
_ELEMENT_BYTES = 700
#: A shared string's slot in openpyxl's list (a pointer, over-allocated by an eighth).
_SLOT_BYTES = 9


class OpenpyxlReader:
    suffixes = frozenset({".xlsx", ".xlsm"})
    streaming = True

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> SheetRows:
        suffix = check_suffix(path, self.suffixes)
        package = check_workbook(path, suffix, limits, loads_whole=False)
        if package is not None and package.strict:
            raise SpreadsheetError(
                codes.File.STRICT_OOXML, file=path.name, reader="openpyxl", other="calamine"
            )
        budget = MemoryBudget(path, limits)
        # The reader owns the file: openpyxl leaves members open when parsing fails.
        with _reading(path):
            stream = path.open("rb")
        try:
            with _reading(path):
                reader = _Reader(stream, budget)
                reader.read()
            workbook = reader.wb
            sheets = {sheet.title: sheet for sheet in workbook.worksheets}
            sheet = sheets[pick_sheet(path, list(sheets), request.sheet)]
        except BaseException:
            stream.close()
            raise

        def release() -> None:
            workbook.close()
            stream.close()

        rows = row_range(request)
        try:
            with _reading(path):
                hint = rows_hint(sheet.max_row or _last_row(sheet), rows)
        except BaseException:
            release()
            raise
        return Rows(_rows(path, sheet, rows, request.width), hint, release)


class _Reader(ExcelReader):  # type: ignore[misc]
    """openpyxl's reader, reading less, and nothing whole it has not paid for.

    Its shared-string table deletes every `x005F_` (half of Excel's escape for a
    literal `_x`), so `_x005F_x000D_` would come out as a carriage return: the
    strings are kept as written, and `decode_escapes` decodes inline and shared
    strings alike, once. Chart sheets are skipped, and a sheet is sized from its
    head (see `_Sheet`). Parts are named with `\\` read as `/` (see `_PaidParts`).
    """

    archive: Any

    def __init__(self, stream: IO[bytes], budget: MemoryBudget) -> None:
        super().__init__(stream, read_only=True, data_only=True, keep_links=False)
        self.archive = _PaidParts(self.archive, budget)
        self.valid_files = self.archive.namelist()
        self.budget = budget

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = list(_strings(source, self.budget))

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                self.wb._sheets.append(_Sheet(self.wb, sheet.name, rel.target, self.shared_strings))


class _PaidParts:
    """openpyxl's zip archive, its members named as parts (`\\` read as `/`), spending
    from the budget what each part openpyxl reads whole (`read`, then parses) will take
    before openpyxl has it; parts it streams (`open`) are not paid for here."""

    def __init__(self, archive: zipfile.ZipFile, budget: MemoryBudget) -> None:
        self._archive = archive
        self._budget = budget
        self._members = {part_name(member): member for member in archive.infolist()}

    def namelist(self) -> list[str]:
        return list(self._members)

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        return self._members[name]

    def open(self, name: str, mode: Literal["r"] = "r") -> IO[bytes]:
        return self._archive.open(self._members[name], mode)

    def read(self, name: str) -> bytes:
        member = self._members[name]
        self._budget.spend(member.file_size)
        data = self._archive.read(member)
        self._budget.spend(data.count(b"<") * _ELEMENT_BYTES)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)


class _Sheet(ReadOnlyWorksheet):  # type: ignore[misc]
    def _get_size(self) -> None:
        """The dimension the sheet claims, read from its head: openpyxl parses the whole
        sheet, at load time and for every sheet, when it finds none."""
        with self._get_source() as source:
            for element, parent in walk(source, _nothing_whole):
                if element.tag == _DIMENSION:
                    bounds = range_boundaries(element.get("ref"))
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds
                    return
                if _SHEET_DATA in (element.tag, getattr(parent, "tag", None)):
                    return


def _last_row(sheet: Any) -> int | None:
    """The number of the last `<row>` numbered in the last 64 KiB of the sheet's XML, for a
    sheet claiming no dimension (openpyxl's write-only mode writes none), so progress
    knows the rows to come. The part is inflated once more, in constant memory: 0.06 s
    beside 19 s of reading 100,000 rows of 10 cells."""
    tail = b""
    with sheet._get_source() as source:
        for chunk in iter(partial(source.read, _TAIL), b""):
            tail = tail[-_TAIL:] + chunk
    numbers = _ROW_NUMBER.findall(tail)
    return int(numbers[-1]) if numbers else None


def _strings(source: IO[bytes], budget: MemoryBudget) -> Iterator[str]:
    """Each shared string, its size spent from the budget (openpyxl keeps them all)."""
    for element, _ in walk(source, _string_whole):
        if element.tag == _STRING:
            text = _string_text(element)
            budget.spend(sys.getsizeof(text) + _SLOT_BYTES)
            yield text


def _string_text(string: Element) -> str:
    """A shared string's text as openpyxl's `Text.content` has it (its `<t>`, then each
    rich-text run's `<t>`; phonetic runs left out), ten times faster."""
    parts = []
    for child in string:
        text = child.find(_TEXT) if child.tag == _RUN else child if child.tag == _TEXT else None
        if text is not None:
            parts.append(text.text or "")
    return "".join(parts)


def _rows(path: Path, sheet: Any, rows: range, width: int) -> Generator[Row, None, None]:
    if not rows or width < 1:
        return
    source = _sheet_rows(path, sheet, rows, width)
    while True:
        with _reading(path):
            batch = list(islice(source, _BATCH))
        if not batch:
            return
        for number, values in batch:
            row = row_cells(values)
            if row is not None:
                yield number, row


def _sheet_rows(
    path: Path, sheet: Any, rows: range, width: int
) -> Generator[tuple[int, list[object]], None, None]:
    """The raw values of the first `width` cells of each `<row>` numbered in `rows`, as
    openpyxl's read-only sheet gives them: a row numbered below one already read is
    skipped, the walk stops at the first row past the range."""
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        values: list[object] = []
        following = rows.start
        for element, parent in walk(source, _cell_whole):
            if parent is not None and parent.tag == _ROW:
                if not values:
                    _start_row(parser, parent)
                    values = [None] * width
                cell = parser.parse_cell(element)
                if 1 <= cell["column"] <= width:
                    values[cell["column"] - 1] = _value(cell)
            elif element.tag == _ROW:
                if not values:
                    _start_row(parser, element)
                number, found, values = parser.row_counter, values, []
                if number >= rows.stop:
                    return
                if number >= following:
                    following = number + 1
                    yield number, found or [None] * width


def _start_row(parser: Any, row: Element) -> None:
    """Number a row as openpyxl does (its `r`, else one past the row before) and restart
    its column count."""
    number = row.get("r")
    if number is None:
        parser.row_counter += 1
    else:
        value = float(number)
        if not value.is_integer():
            raise ValueError(f"{number} is not a valid row number")
        parser.row_counter = int(value)
    parser.col_counter = 0


def _nothing_whole(element: Element, parent: Element | None) -> bool:
    return False


def _string_whole(element: Element, parent: Element | None) -> bool:
    return element.tag == _STRING


def _cell_whole(element: Element, parent: Element | None) -> bool:
    """A row's children are its cells (openpyxl types every child as one)."""
    return parent is not None and parent.tag == _ROW


def _value(cell: dict[str, Any]) -> object:
    """The raw value of a parsed cell; an error cell (`#N/A`) is None, as calamine has it."""
    if cell["data_type"] == "e":
        return None
    value = cell["value"]
    return decode_escapes(value) if isinstance(value, str) else value


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Where openpyxl runs: its failures become SpreadsheetError, its warnings are dropped.

    openpyxl warns about features it skips (data validation, unknown extensions)
    and about date cells out of range, which read as errors; none concerns the caller.
    The warning filters are process-wide: at worst a race with another thread leaves
    openpyxl's warnings silenced for good.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="openpyxl")
        try:
            yield
        except _FAILURES as error:
            raise malformed(path, error) from error
