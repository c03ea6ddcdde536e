"""What hostile files cost a reading process, measured: each is read in a fresh interpreter
whose peak resident set (VmHWM) must stay under 256 MiB with the default limits, and which
must end with the rows or a typed refusal, never an abort.

The files are the attacks of the security review (an .ods repeating one row 3,000 times
with 16,000 repeated cells, an .xlsx declaring a gigabyte of XML, 100 MB of shared strings)
and the others found while guarding them; each is built here, small, from its shape. The
child runs under a 3 GiB address-space cap, so a guard that fails aborts it instead of
swapping the machine.
"""

from __future__ import annotations

import json
import random
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from custody_core.ports.spreadsheets import ReadLimits
from spreadsheet_files import (
    biff_dimension,
    biff_number,
    biff_shared,
    ods,
    rewrite,
    shared_strings,
    sheet_data,
    workbook,
    xls,
    xlsb,
    xlsb_number,
    xlsb_row,
    xlsb_shared,
)

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the peak resident set from /proc"
)

MIB = 1024 * 1024
#: What a read may take with the default limits, the interpreter included.
CEILING = 256 * MIB
REFUSALS = {"file.needs_too_much_memory", "file.unpacked_too_large", "file.too_compressed"}

CHILD = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from custody_core.adapters.spreadsheets.calamine_reader import CalamineReader
from custody_core.adapters.spreadsheets.openpyxl_reader import OpenpyxlReader
from custody_core.domain.errors import SpreadsheetError
from custody_core.ports.spreadsheets import ReadLimits, SheetRequest
reader = {"calamine": CalamineReader, "openpyxl": OpenpyxlReader}[sys.argv[1]]()
limits = ReadLimits(**json.loads(sys.argv[3]))
try:
    with reader.open(Path(sys.argv[2]), SheetRequest(width=20), limits) as rows:
        outcome = f"{sum(1 for _ in rows)} rows"
except SpreadsheetError as error:
    outcome = error.code
status = open("/proc/self/status").read()
peak = next(line for line in status.splitlines() if line.startswith("VmHWM"))
print(json.dumps([outcome, int(peak.split()[1]) * 1024]))
"""


def read_in_child(reader: str, path: Path, **limits: int) -> tuple[str, int]:
    """The outcome (rows read, or the refusal's code) and the peak resident bytes of a
    fresh process reading `path` with `limits` (the defaults for those not given)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, reader, str(path), json.dumps(limits)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the reading process died ({done.returncode}): {done.stderr}"
    outcome, peak = json.loads(done.stdout.splitlines()[-1])
    return str(outcome), int(peak)


def repeated_ods(path: Path) -> Path:
    """The review's file: one row, a cell repeated 16,000 times, written 3,000 times."""
    cell = '<table:table-cell table:number-columns-repeated="16000" office:value-type="float" '
    row = f'<table:table-row>{cell}office:value="1"/></table:table-row>'
    return ods(path, row * 3_000)


def ods_with_repeated_rows(path: Path) -> Path:
    cell = '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" '
    rows = f'<table:table-row table:number-rows-repeated="1000000">{cell}office:value="1"/>'
    return ods(path, rows + "</table:table-row>")


def gigabyte_of_xml(path: Path) -> Path:
    """An .xlsx whose sheet is a gigabyte of one repeated row (a few MB compressed)."""
    path = workbook(path, [["a"]])
    row = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as member,
    ):
        block = row * (MIB // len(row))
        for _ in range(1024):
            member.write(block)
    return path


def cells_far_apart(path: Path) -> Path:
    rows_xml = '<row r="1"><c r="A1"><v>1</v></c></row>'
    rows_xml += '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    return sheet_data(workbook(path), rows_xml)


#: Two rows of values, then the same with empty styled cells and rows reaching XFD1048576
#: (a formatted column and row, as Excel writes them).
TWO_ROWS = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
STYLED = (
    '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/></row>'
    '<row r="2" spans="1:16384"><c r="A2"><v>2</v></c></row>'
    '<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1" /></row>'
)


def styled_to_the_last_cell(path: Path) -> Path:
    return sheet_data(workbook(path), STYLED, dimension="A1:XFD1048576")


def copies_of_a_shared_string(path: Path) -> Path:
    rows_xml = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 4001))
    return shared_strings(sheet_data(workbook(path), rows_xml), ["я" * 400_000])


def many_shared_strings(path: Path) -> Path:
    """Shared strings of 30 MB (1.5 million short ones, each a cell's worth)."""
    return shared_strings(workbook(path, [["a"]]), [f"s{n}" for n in range(1_500_000)])


def wide_row(path: Path) -> Path:
    """One row of 500,000 cells (openpyxl built a row whole: 30 times its XML), numbers
    that do not compress past the ratio guard."""
    numbers = random.Random(7)
    cells = "".join(f"<c><v>{numbers.random()}</v></c>" for _ in range(500_000))
    return sheet_data(workbook(path), f'<row r="1">{cells}</row>')


def styles_of_a_million(path: Path) -> Path:
    """A million cell formats (openpyxl: about 650 bytes each), none alike."""
    numbers = random.Random(7)
    path = workbook(path, [["a"]])
    styles = '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    formats = "".join(f'<xf numFmtId="{numbers.randrange(164, 9999)}"/>' for _ in range(1_000_000))
    styles += f'<cellXfs count="1000000">{formats}</cellXfs></styleSheet>'
    return rewrite(path, {"xl/styles.xml": styles.encode()})


def ods_with_rows_between(path: Path) -> Path:
    """A row reaching column 16,000, 100,000 empty rows, a row: a grid of 1.6 billion."""
    first = '<table:table-row><table:table-cell table:number-columns-repeated="15999"/>'
    first += '<table:table-cell office:value-type="float" office:value="1"/></table:table-row>'
    empty = '<table:table-row table:number-rows-repeated="100000"><table:table-cell/>'
    last = '<table:table-row><table:table-cell office:value-type="float" office:value="2"/>'
    return ods(path, first + empty + "</table:table-row>" + last + "</table:table-row>")


def xls_dimension(path: Path) -> Path:
    return xls(path, [biff_number(0, 0, 1)], dimension=biff_dimension(0, 0xFFFFFFFF, 0, 0xFFFF))


def xls_far_apart(path: Path) -> Path:
    return xls(path, [biff_number(0, 0, 1), biff_number(65_535, 65_535, 2)])


def xls_copies(path: Path) -> Path:
    return xls(path, [biff_shared(row, 0, 0) for row in range(10_000)], strings=["ж" * 30_000])


def xlsb_far_apart(path: Path) -> Path:
    cells = [xlsb_row(0), xlsb_number(0, 1), xlsb_row(1_000_000), xlsb_number(1_000_000, 2)]
    return xlsb(path, cells)


def xlsb_copies(path: Path) -> Path:
    cells = [xlsb_row(0), *(xlsb_shared(column, 0) for column in range(5_000))]
    return xlsb(path, cells, strings=["ж" * 100_000])


BOMBS: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "ods, repeated cells": (".ods", repeated_ods),
    "ods, repeated rows": (".ods", ods_with_repeated_rows),
    "ods, empty rows between": (".ods", ods_with_rows_between),
    "xlsx, a gigabyte of XML": (".xlsx", gigabyte_of_xml),
    "xlsx, cells far apart": (".xlsx", cells_far_apart),
    "xlsx, copies of a shared string": (".xlsx", copies_of_a_shared_string),
    "xlsx, styled empty cells to the last one": (".xlsx", styled_to_the_last_cell),
    "xlsx, a row of 500,000 cells": (".xlsx", wide_row),
    "xlsx, a million styles": (".xlsx", styles_of_a_million),
    "xls, a declared dimension": (".xls", xls_dimension),
    "xls, cells far apart": (".xls", xls_far_apart),
    "xls, copies of a shared string": (".xls", xls_copies),
    "xlsb, cells far apart": (".xlsb", xlsb_far_apart),
    "xlsb, copies of a shared string": (".xlsb", xlsb_copies),
}
READERS = {".ods": ["calamine"], ".xls": ["calamine"], ".xlsb": ["calamine"]}
CASES = [
    (name, reader)
    for name, (suffix, _) in BOMBS.items()
    for reader in READERS.get(suffix, ["openpyxl", "calamine"])
]


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        name: make(folder / f"bomb{n}{suffix}")
        for n, (name, (suffix, make)) in enumerate(BOMBS.items())
    }


@pytest.mark.parametrize(("bomb", "reader"), CASES, ids=[f"{b}, {r}" for b, r in CASES])
def test_a_hostile_file_costs_under_256_mib_and_ends_in_rows_or_a_refusal(
    bombs: dict[str, Path], bomb: str, reader: str
) -> None:
    outcome, peak = read_in_child(reader, bombs[bomb])
    assert outcome in REFUSALS or outcome.endswith(" rows")
    assert peak < CEILING, f"{peak / MIB:.0f} MiB"


def test_the_review_s_ods_is_refused_by_its_memory(bombs: dict[str, Path]) -> None:
    """0.7 KiB that took 5.9 GB in 19 s; with a 3 GB cap, the process aborted."""
    path = bombs["ods, repeated cells"]
    assert path.stat().st_size < 4096
    assert read_in_child("calamine", path)[0] == "file.needs_too_much_memory"


def test_styled_empty_cells_do_not_size_calamine_s_grid(bombs: dict[str, Path]) -> None:
    """calamine sizes its grid by the cells holding values: the sheet reads, in no more
    memory than the same two rows alone."""
    path = bombs["xlsx, styled empty cells to the last one"]
    alone = sheet_data(workbook(path.with_name("alone.xlsx")), TWO_ROWS)
    outcome, peak = read_in_child("calamine", path)
    assert outcome == "2 rows"
    assert peak < read_in_child("calamine", alone)[1] + 4 * MIB


def test_shared_strings_are_paid_for_as_they_are_read(tmp_path: Path) -> None:
    """100 MB of shared strings took 580 MiB and 42 s; read with a 32 MiB budget, 30 MB of
    them are refused once the strings read pass it, the process well under the ceiling.
    The default budget bounds a larger file the same way, in proportion."""
    path = many_shared_strings(tmp_path / "strings.xlsx")
    limits = {"max_memory_bytes": 32 * MIB, "max_compression_ratio": 1_000}
    for reader in ("openpyxl", "calamine"):
        outcome, peak = read_in_child(reader, path, **limits)
        assert outcome == "file.needs_too_much_memory"
        assert peak < 128 * MIB, f"{reader}: {peak / MIB:.0f} MiB"


def test_the_default_limits_are_those_documented() -> None:
    assert ReadLimits() == ReadLimits(
        max_file_bytes=200 * MIB,
        max_unpacked_bytes=256 * MIB,
        max_compression_ratio=250,
        max_loaded_bytes=50 * MIB,
        max_memory_bytes=200 * MIB,
    )
    assert struct.calcsize("P") == 8  # the measured costs are those of a 64-bit build
