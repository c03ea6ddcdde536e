"""The default .xlsx/.xlsm reader: openpyxl in read-only mode, which streams a sheet.

Memory stays flat whatever the file's size: openpyxl parses one `<row>` at a
time, and the rows asked for are bounded by the request, never by the
dimension the sheet claims. openpyxl parses XML with defusedxml whenever it is
installed (a dependency of this project), so entity bombs fail fast.
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl.cell.text import Text  # type: ignore[import-untyped]
from openpyxl.reader.excel import ExcelReader  # type: ignore[import-untyped]
from openpyxl.utils.cell import range_boundaries  # type: ignore[import-untyped]
from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # type: ignore[import-untyped]
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS  # type: ignore[import-untyped]
from openpyxl.xml.functions import iterparse  # type: ignore[import-untyped]

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
_DIMENSION = f"{{{SHEET_MAIN_NS}}}dimension"
_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"


class OpenpyxlReader:
    suffixes = frozenset({".xlsx", ".xlsm"})
    streaming = True

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> SheetRows:
        suffix = check_suffix(path, self.suffixes)
        check_workbook(path, suffix, limits, limits.max_file_bytes)
        # The reader owns the file: openpyxl leaves members open when parsing fails.
        with _reading(path):
            stream = path.open("rb")
        try:
            with _reading(path):
                reader = _Reader(stream, read_only=True, data_only=True, keep_links=False)
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
        hint = rows_hint(sheet.max_row, rows)
        return Rows(_rows(path, sheet, rows, request.width), hint, release)


class _Reader(ExcelReader):  # type: ignore[misc]
    """openpyxl's reader, reading less.

    Its shared-string table deletes every `x005F_` (half of Excel's escape for a
    literal `_x`), so `_x005F_x000D_` would come out as a carriage return: the
    strings are kept as written, and `decode_escapes` decodes inline and shared
    strings alike, once. Chart sheets are skipped, and a sheet is sized from its
    head (see `_Sheet`).
    """

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = list(_strings(source))

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                self.wb._sheets.append(_Sheet(self.wb, sheet.name, rel.target, self.shared_strings))


class _Sheet(ReadOnlyWorksheet):  # type: ignore[misc]
    def _get_size(self) -> None:
        """The dimension the sheet claims, read from its head: openpyxl parses the whole
        sheet, at load time and for every sheet, when it finds none."""
        with self._get_source() as source:
            for _, element in iterparse(source, events=("start",)):
                if element.tag == _DIMENSION:
                    bounds = range_boundaries(element.get("ref"))
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds
                    return
                if element.tag == _SHEET_DATA:
                    return


def _strings(source: Any) -> Iterator[str]:
    for _, node in iterparse(source):
        if node.tag == _STRING:
            yield Text.from_tree(node).content
            node.clear()


def _rows(path: Path, sheet: Any, rows: range, width: int) -> Generator[Row, None, None]:
    if not rows or width < 1:  # openpyxl reads 0 as "up to the claimed dimension"
        return
    source = sheet.iter_rows(min_row=rows.start, max_row=rows.stop - 1, max_col=width)
    number = rows.start
    while True:
        with _reading(path):
            batch = list(islice(source, _BATCH))
        if not batch:
            return
        for cells in batch:
            row = row_cells(map(_value, cells))
            if row is not None:
                yield number, row
            number += 1


def _value(cell: Any) -> object:
    """The raw value of a read-only cell; an error cell (`#N/A`) is None, as calamine has it."""
    if cell.data_type == "e":
        return None
    value = cell.value
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
