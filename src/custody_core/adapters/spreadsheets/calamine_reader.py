"""python-calamine: the reader of .xls, .xlsb and .ods, and of .xlsx/.xlsm when named.

calamine is many times faster than openpyxl but does not stream: it loads a
whole sheet (for .ods and .xls, every sheet) into a dense grid spanning the
sheet's used range, allocating by what the file declares (repeats, cell
places, declared dimensions, strings named once and copied per cell). Out of
memory, it aborts the whole process rather than raising. So before calamine
sees a file, what it would hold is counted from the file (`xlsx_load`,
`ods_load`, `xls_load`, `xlsb_load`) and spent from the read's memory budget:
a file that would take more than `ReadLimits.max_memory_bytes` is refused.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

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
from custody_core.adapters.spreadsheets.ods_load import ods_load
from custody_core.adapters.spreadsheets.package import DEFAULT_WORKBOOK, Package
from custody_core.adapters.spreadsheets.xls_load import xls_load
from custody_core.adapters.spreadsheets.xlsb_load import xlsb_load
from custody_core.adapters.spreadsheets.xlsx_load import xlsx_load
from custody_core.domain import codes
from custody_core.domain.errors import SpreadsheetError
from custody_core.ports.spreadsheets import ReadLimits, Row, SheetRequest, SheetRows

#: What calamine and the scans raise (RuntimeError: zipfile's unsupported compression;
#: ValueError: a scan's refusal of what it cannot count).
_FAILURES = (
    CalamineError,
    zipfile.BadZipFile,
    OSError,
    EOFError,
    RuntimeError,
    ValueError,
    zlib.error,
)


#: The only name calamine reads an .xlsx workbook part under: it takes just the folder
#: from the package's relationships and reads `workbook.xml` there.
_WORKBOOK = "workbook.xml"


class CalamineReader:
    suffixes = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
    streaming = False

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> SheetRows:
        suffix = check_suffix(path, self.suffixes)
        package = check_workbook(path, suffix, limits, loads_whole=True)
        if package is not None and posixpath.basename(package.workbook).lower() != _WORKBOOK:
            raise SpreadsheetError(
                codes.File.WORKBOOK_PART_NAME,
                file=path.name,
                part=package.workbook,
                reader="calamine",
                other="openpyxl",
            )
        with _reading(path):
            _count_load(path, suffix, MemoryBudget(path, limits), package)
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


def _count_load(path: Path, suffix: str, budget: MemoryBudget, package: Package | None) -> None:
    """Spend what calamine will hold for the file at `path` (an .xlsx/.xlsm `package`),
    before it sees a byte."""
    if suffix == ".xls":
        xls_load(path, budget)
        return
    with zipfile.ZipFile(path) as archive:
        if suffix == ".ods":
            with archive.open("content.xml") as content:
                budget.spend(ods_load(content))
        elif suffix == ".xlsb":
            xlsb_load(archive, budget)
        else:
            xlsx_load(archive, budget, package.workbook if package else DEFAULT_WORKBOOK)


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Where calamine (or a count of its load) runs: its failures become SpreadsheetError.

    calamine panics on some damaged files (an .xls formula cut short indexes past its
    end); pyo3 raises the panic as `pyo3_runtime.PanicException`, a BaseException that
    cannot be imported before it is first raised, so it is known by its name.
    """
    try:
        yield
    except PasswordError:
        raise SpreadsheetError(codes.File.ENCRYPTED, file=path.name) from None
    except _FAILURES as error:
        raise malformed(path, error) from error
    except BaseException as error:
        if type(error).__name__ != "PanicException":
            raise
        raise malformed(path, error) from error
