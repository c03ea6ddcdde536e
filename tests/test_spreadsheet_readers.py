"""The spreadsheet readers: one normalisation rule, the requested rows only, hostile files refused.

Workbooks are built in the test's folder (spreadsheet_files.py); every expected
row is written out by hand. Workbook tests run against openpyxl and calamine.
"""

from __future__ import annotations

import os
import re
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from custody_core.adapters.spreadsheets.calamine_reader import CalamineReader
from custody_core.adapters.spreadsheets.csv_reader import CsvReader
from custody_core.adapters.spreadsheets.openpyxl_reader import OpenpyxlReader
from custody_core.domain.errors import SpreadsheetError, ValidationError
from custody_core.plugins import Plugins, ReaderRegistry, hookimpl
from custody_core.ports.spreadsheets import ReadLimits, Row, SheetRequest, SpreadsheetReader
from spreadsheet_files import (
    BILLION_LAUGHS,
    SHEET,
    STRICT,
    BiffRecord,
    biff_dimension,
    biff_number,
    biff_shared,
    cache_formulas,
    edit_sheet,
    members,
    ods,
    package,
    patch_member,
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

BOOKS = [OpenpyxlReader(), CalamineReader()]
books = pytest.mark.parametrize("reader", BOOKS, ids=["openpyxl", "calamine"])


def read(
    reader: SpreadsheetReader,
    path: Path,
    limits: ReadLimits | None = None,
    **request: object,
) -> list[Row]:
    with reader.open(path, SheetRequest(**request), limits or ReadLimits()) as rows:
        return list(rows)


def refused(reader: SpreadsheetReader, path: Path, **request: object) -> SpreadsheetError:
    limits = request.pop("limits", None)
    with pytest.raises(SpreadsheetError) as raised:
        read(reader, path, limits, **request)
    return raised.value


# --- the normalisation rule -------------------------------------------------------------


@books
def test_text_is_trimmed_and_blank_text_is_empty(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["  Иванов И.И.  ", "\tчай\n", "   ", ""]])
    assert read(reader, path, width=4) == [(1, ("Иванов И.И.", "чай", None, None))]


@books
def test_excel_escapes_are_decoded_once(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["строка_x000D_1", "_x005F_x000D_", "_x0041__x0100_"]])
    assert read(reader, path, width=3) == [(1, ("строка\r1", "_x000D_", "A_x0100_"))]


@books
def test_shared_strings_are_decoded_like_inline_ones(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    # openpyxl's own string table deletes every "x005F_"; the reader keeps them raw.
    path = shared_strings(workbook(tmp_path / "t.xlsx"), ["_x005F_x000D_", "ax005F_b", " в "])
    rows_xml = '<row r="1">' + "".join(
        f'<c r="{column}1" t="s"><v>{index}</v></c>' for index, column in enumerate("ABC")
    )
    sheet_data(path, rows_xml + "</row>")
    assert read(reader, path, width=3) == [(1, ("_x000D_", "ax005F_b", "в"))]


@books
def test_numbers_whole_ones_are_int_others_decimal(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    written = ["7", "2.0", "2.5", "0.30000000000000004", "1E+20", "-0", "-3.75", "007",
               "123456789012345678901"]  # fmt: skip
    cells_xml = "".join(f'<c r="{chr(65 + i)}1"><v>{v}</v></c>' for i, v in enumerate(written))
    path = sheet_data(workbook(tmp_path / "t.xlsx"), f'<row r="1">{cells_xml}</row>')
    expected = (
        7,
        2,
        Decimal("2.5"),
        Decimal("0.30000000000000004"),
        100000000000000000000,
        0,
        Decimal("-3.75"),
        7,
        123456789012345683968,  # the double nearest 123456789012345678901, as Excel keeps it
    )
    [(number, cells)] = read(reader, path, width=len(written))
    assert (number, cells) == (1, expected)
    assert [type(cell) for cell in cells] == [
        int,
        int,
        Decimal,
        Decimal,
        int,
        int,
        Decimal,
        int,
        int,
    ]


@books
def test_booleans_stay_booleans(reader: SpreadsheetReader, tmp_path: Path) -> None:
    [(_, cells)] = read(reader, workbook(tmp_path / "t.xlsx", [[True, False, 1]]), width=3)
    assert cells == (True, False, 1)
    assert [type(cell) for cell in cells] == [bool, bool, int]


@books
def test_dates_datetimes_times_and_durations(reader: SpreadsheetReader, tmp_path: Path) -> None:
    row = [
        date(2026, 11, 20),
        datetime.combine(date(2026, 11, 20), clock()),
        datetime.combine(date(2026, 11, 20), clock(14, 30, 15)),
        clock(9, 5),
        timedelta(hours=36),
    ]
    [(_, cells)] = read(reader, workbook(tmp_path / "t.xlsx", [row]), width=5)
    assert cells == (
        date(2026, 11, 20),
        date(2026, 11, 20),
        datetime.combine(date(2026, 11, 20), clock(14, 30, 15)),
        clock(9, 5),
        Decimal("1.5"),  # a duration is its length in days
    )
    assert type(cells[1]) is date


@books
def test_error_cells_read_as_empty(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["#N/A", "#DIV/0!", "ok"]])  # openpyxl stores errors
    assert members(path)[SHEET].count(b't="e"') == 2
    assert read(reader, path, width=3) == [(1, (None, None, "ok"))]


@books
def test_formulas_read_as_their_cached_values(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["=1+1", '="a"&"b"', "=TRUE()", "=1/0", "=NOW()"]])
    cache_formulas(
        path, {"A1": (None, "2"), "B1": ("str", " ab "), "C1": ("b", "1"), "D1": ("e", "#DIV/0!")}
    )
    assert read(reader, path, width=5) == [(1, (2, "ab", True, None, None))]


# --- which rows and columns ---------------------------------------------------------------


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    """Rows 1..6 of [r, 10r, 100r], except row 4, which is empty."""
    rows = [[r, 10 * r, 100 * r] if r != 4 else [] for r in range(1, 7)]
    return workbook(tmp_path / "grid.xlsx", rows)


@books
def test_the_range_bounds_rows_and_width(reader: SpreadsheetReader, grid: Path) -> None:
    assert read(reader, grid, first_row=2, last_row=5, width=2) == [
        (2, (2, 20)),
        (3, (3, 30)),
        (5, (5, 50)),
    ]


@books
def test_width_pads_with_none_and_reads_to_the_last_row(
    reader: SpreadsheetReader, grid: Path
) -> None:
    assert read(reader, grid, first_row=5, width=4) == [
        (5, (5, 50, 500, None)),
        (6, (6, 60, 600, None)),
    ]


@books
@pytest.mark.parametrize(
    ("first_row", "last_row", "width"),
    [(7, None, 3), (100, 200, 3), (3, 2, 3), (1, 6, 0), (1, 0, 3)],
)
def test_an_empty_range_yields_nothing(
    reader: SpreadsheetReader, grid: Path, first_row: int, last_row: int | None, width: int
) -> None:
    assert read(reader, grid, first_row=first_row, last_row=last_row, width=width) == []


@books
def test_a_row_with_values_only_past_the_width_is_not_yielded(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "t.xlsx", [["a"], [None, None, "far"], ["b"]])
    assert read(reader, path, width=2) == [(1, ("a", None)), (3, ("b", None))]


@books
def test_data_starting_away_from_a1_keeps_its_place(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "t.xlsx", [[], [], [None, None, "C3", "D3"], [None, "B4"]])
    assert read(reader, path, width=4) == [
        (3, (None, None, "C3", "D3")),
        (4, (None, "B4", None, None)),
    ]


@books
def test_merged_cells_hold_their_value_top_left(reader: SpreadsheetReader, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"], sheet["C1"], sheet["C2"] = "Итого", "c1", "c2"
    sheet.merge_cells("A1:B2")
    book.save(tmp_path / "t.xlsx")
    assert read(reader, tmp_path / "t.xlsx", width=3) == [
        (1, ("Итого", None, "c1")),
        (2, (None, None, "c2")),
    ]


@books
def test_hidden_rows_and_columns_are_read(reader: SpreadsheetReader, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["a", "b"])
    sheet.append(["hidden row", "c"])
    sheet.row_dimensions[2].hidden = True
    sheet.column_dimensions["B"].hidden = True
    book.save(tmp_path / "t.xlsx")
    assert read(reader, tmp_path / "t.xlsx", width=2) == [(1, ("a", "b")), (2, ("hidden row", "c"))]


ROWS_XML = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in (1, 2, 5))


@books
@pytest.mark.parametrize(
    "dimension", ["A1:XFD1048576", "A1", None], ids=["forged", "short", "none"]
)
def test_the_claimed_dimension_never_decides_what_is_read(
    reader: SpreadsheetReader, tmp_path: Path, dimension: str | None
) -> None:
    path = sheet_data(workbook(tmp_path / "t.xlsx"), ROWS_XML, dimension)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        assert read(reader, path, width=3) == [
            (1, (1, None, None)),
            (2, (2, None, None)),
            (5, (5, None, None)),
        ]
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 20 * 1024 * 1024


def test_total_hint_is_the_claimed_rows_in_range(tmp_path: Path) -> None:
    forged = sheet_data(workbook(tmp_path / "forged.xlsx"), ROWS_XML, "A1:XFD1048576")
    missing = sheet_data(workbook(tmp_path / "missing.xlsx"), ROWS_XML, None)
    hints = {}
    for name, path, request in [
        ("forged", forged, SheetRequest(first_row=2, last_row=10)),
        ("forged open", forged, SheetRequest()),
        ("missing", missing, SheetRequest()),
    ]:
        with OpenpyxlReader().open(path, request, ReadLimits()) as rows:
            hints[name] = rows.total_hint
    with CalamineReader().open(forged, SheetRequest(first_row=2), ReadLimits()) as rows:
        hints["calamine"] = rows.total_hint  # calamine knows the real extent: rows 2..5
    # Without a dimension, openpyxl's hint is the last row's number (5).
    assert hints == {"forged": 9, "forged open": 1_048_576, "missing": 5, "calamine": 4}


@pytest.mark.parametrize(("first", "last", "hint"), [(1, None, 300), (10, 20, 11), (250, None, 51)])
def test_the_hint_of_a_sheet_written_without_a_dimension(
    tmp_path: Path, first: int, last: int | None, hint: int
) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Лист1")
    for number in range(300):
        sheet.append([number, "x" * 500])  # 150 KB of XML: more than the tail searched
    book.save(tmp_path / "t.xlsx")
    assert b"<dimension" not in members(tmp_path / "t.xlsx")["xl/worksheets/sheet1.xml"]
    request = SheetRequest(first_row=first, last_row=last)
    with OpenpyxlReader().open(tmp_path / "t.xlsx", request, ReadLimits()) as rows:
        assert rows.total_hint == hint


# --- sheets -------------------------------------------------------------------------------


@books
def test_a_sheet_is_chosen_by_name_or_position(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["first"]], "Реестр", {"Справочник": [["second"]]})
    assert read(reader, path, sheet="Справочник") == [(1, ("second",))]
    assert read(reader, path, sheet=2) == [(1, ("second",))]
    assert read(reader, path) == [(1, ("first",))]


@books
@pytest.mark.parametrize("sheet", ["Нет такого", 3, 0])
def test_an_unknown_sheet_names_the_sheets_there_are(
    reader: SpreadsheetReader, tmp_path: Path, sheet: str | int
) -> None:
    path = workbook(tmp_path / "t.xlsx", [["first"]], "Реестр", {"Справочник": [["second"]]})
    error = refused(reader, path, sheet=sheet)
    assert error.code == "sheet.not_found"
    assert error.details == {"file": "t.xlsx", "sheet": sheet, "sheets": "Реестр, Справочник"}


# --- packages as the standard has them ----------------------------------------------------

PACKAGE_READ = [(1, ("a", 1)), (2, ("b", 2))]


@books
def test_a_package_whose_member_names_use_backslashes_is_read(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    path = package(tmp_path / "t.xlsx", separator="\\")
    with zipfile.ZipFile(path) as archive:
        assert "xl\\workbook.xml" in archive.namelist()
    assert read(reader, path, width=2) == PACKAGE_READ


@books
@pytest.mark.parametrize("target", ["book/workbook.xml", "/book/workbook.xml"])
def test_a_workbook_part_is_found_through_the_package_relationships(
    reader: SpreadsheetReader, tmp_path: Path, target: str
) -> None:
    path = package(tmp_path / "t.xlsx", "book/workbook.xml", target=target)
    assert read(reader, path, width=2) == PACKAGE_READ


def test_calamine_names_the_workbook_part_it_cannot_read(tmp_path: Path) -> None:
    # calamine takes the workbook's folder from the relationships, not its name.
    path = package(tmp_path / "t.xlsx", "xl/book.xml")
    error = refused(CalamineReader(), path)
    assert error.code == "file.workbook_part_name"
    assert error.details["part"] == "xl/book.xml"
    assert "read it with the openpyxl reader" in error.message("en")
    assert "прочитайте файл средством openpyxl" in error.message("ru")
    assert read(OpenpyxlReader(), path, width=2) == PACKAGE_READ


def test_a_strict_workbook_is_read_by_calamine_and_named_by_openpyxl(tmp_path: Path) -> None:
    path = package(tmp_path / "t.xlsx", namespaces=STRICT)
    assert read(CalamineReader(), path, width=2) == PACKAGE_READ
    error = refused(OpenpyxlReader(), path)
    assert (error.code, error.details["reader"], error.details["other"]) == (
        "file.strict_ooxml",
        "openpyxl",
        "calamine",
    )
    assert error.message("en") == (
        "t.xlsx is a Strict Open XML workbook, which the openpyxl reader does not read; "
        "read it with the calamine reader"
    )
    assert "Strict Open XML" in error.message("ru")
    assert "средством calamine" in error.message("ru")


def test_calamine_pays_for_the_shared_strings_beside_the_workbook_part(tmp_path: Path) -> None:
    # calamine reads book/sharedStrings.xml for book/workbook.xml: 1,000 copies of a
    # string of 10,000 characters are 10 MB.
    rows_xml = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 1001))
    path = package(
        tmp_path / "t.xlsx", "book/workbook.xml", rows_xml=rows_xml, strings=["я" * 10_000]
    )
    limits = ReadLimits(max_memory_bytes=5_000_000, max_compression_ratio=10_000)
    assert refused(CalamineReader(), path, limits=limits).code == "file.needs_too_much_memory"


@books
def test_package_relationships_naming_no_workbook(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    path = package(tmp_path / "t.xlsx")
    rewrite(path, {"_rels/.rels": members(path)["_rels/.rels"].replace(b"officeDocument", b"x")})
    error = refused(reader, path)
    assert (error.code, error.details["cause"]) == ("file.not_a_workbook", "file.no_workbook_part")
    assert error.diagnostic["reason"] == "its _rels/.rels names no workbook part"


@books
def test_two_members_naming_one_part_are_damage(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = package(tmp_path / "t.xlsx")
    rewrite(path, {"xl\\workbook.xml": members(path)["xl/workbook.xml"]})
    error = refused(reader, path)
    assert (error.code, error.details["cause"]) == ("file.malformed", "file.same_names")
    assert (
        error.message("ru")
        == "Файл t.xlsx повреждён или небезопасен: две его части названы одинаково"
    )


# --- hostile and wrong files --------------------------------------------------------------


@books
def test_a_file_that_is_not_a_zip(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_text("Номер;Дата\n1;2026-11-20\n", encoding="utf-8")
    error = refused(reader, path)
    assert (error.code, error.details["cause"]) == ("file.not_a_workbook", "file.not_zip")


@books
def test_a_zip_that_is_not_a_workbook(reader: SpreadsheetReader, tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "t.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("notes.txt", "hello")
    error = refused(reader, tmp_path / "t.xlsx")
    assert error.code == "file.not_a_workbook"
    assert (error.details["cause"], error.details["part"]) == (
        "file.part_missing",
        "xl/workbook.xml",
    )
    assert error.message("en") == (
        "t.xlsx is not an Excel (.xlsx) file: the archive has no xl/workbook.xml"
    )
    assert error.message("ru") == (
        "Файл t.xlsx не является файлом Excel (.xlsx): в архиве нет части xl/workbook.xml"
    )


@books
def test_a_truncated_workbook_is_damaged(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["a"]])
    path.write_bytes(path.read_bytes()[:-200])
    assert refused(reader, path).code == "file.malformed"


@books
@pytest.mark.parametrize("part", [SHEET, "xl/sharedStrings.xml"])
def test_an_xml_entity_bomb_is_refused_fast(
    reader: SpreadsheetReader, tmp_path: Path, part: str
) -> None:
    path = shared_strings(workbook(tmp_path / "t.xlsx"), ["&lol9;"])
    shared = '<c r="A1" t="s"><v>0</v></c>'
    inline = '<c r="B1" t="inlineStr"><is><t>&lol9;</t></is></c>'
    sheet_data(path, f'<row r="1">{shared}{inline}</row>')
    rewrite(path, {part: BILLION_LAUGHS.encode() + members(path)[part]})
    started = time.perf_counter()
    error = refused(reader, path)
    assert time.perf_counter() - started < 2
    assert error.code == "file.malformed"


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_an_entity_bomb_is_named_as_unsafe_by_openpyxl(tmp_path: Path) -> None:
    path = edit_sheet(workbook(tmp_path / "t.xlsx", [["a"]]), lambda xml: BILLION_LAUGHS + xml)
    error = refused(OpenpyxlReader(), path)
    assert error.details["cause"] == "file.unsafe_xml"
    assert error.message("ru") == (
        "Файл t.xlsx повреждён или небезопасен: в нём объявлены сущности XML, это небезопасно"
    )


@books
def test_a_zip_bomb_is_refused_before_parsing(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["a"]])
    # Garbage XML: a reader that parsed first would call the file damaged instead.
    rewrite(path, {SHEET: b"<not xml", "xl/media/padding.bin": bytes(20_000)})
    error = refused(reader, path, limits=ReadLimits(max_unpacked_bytes=10_000))
    assert error.code == "file.unpacked_too_large"
    assert error.details["limit"] == 10_000
    assert error.details["size"] > 20_000


@books
def test_a_member_lying_about_its_size_stops_there(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    # It declares 2,000 bytes and inflates to ~200 KB: both libraries stop at 2,000.
    rows_xml = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 5000))
    path = patch_member(sheet_data(workbook(tmp_path / "t.xlsx"), rows_xml), SHEET, size=2000)
    assert refused(reader, path).code == "file.malformed"


@books
def test_an_unsupported_compression_is_damage(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = patch_member(workbook(tmp_path / "t.xlsx", [["a"]]), SHEET, method=9)  # Deflate64
    assert refused(reader, path).code == "file.malformed"


@books
def test_an_encrypted_zip_member_is_refused(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = patch_member(workbook(tmp_path / "t.xlsx", [["a"]]), SHEET, flags=0x1)
    assert refused(reader, path).code == "file.encrypted"


def ole_file(path: Path, *streams: str) -> Path:
    """An OLE compound file's magic, then directory entries' UTF-16 names."""
    names = b"".join(name.encode("utf-16-le") for name in streams)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + names + bytes(1024))
    return path


@books
@pytest.mark.parametrize("streams", [("EncryptionInfo", "EncryptedPackage"), ()])
def test_an_ole_file_named_xlsx_is_encrypted(
    reader: SpreadsheetReader, tmp_path: Path, streams: tuple[str, ...]
) -> None:
    assert refused(reader, ole_file(tmp_path / "t.xlsx", *streams)).code == "file.encrypted"


@books
def test_an_old_xls_renamed_xlsx_is_named_so(reader: SpreadsheetReader, tmp_path: Path) -> None:
    error = refused(reader, ole_file(tmp_path / "t.xlsx", "Workbook"))
    assert error.code == "file.not_a_workbook"
    assert (error.details["cause"], error.details["suffix"]) == ("file.old_excel", ".xlsx")
    assert error.message("ru") == (
        "Файл t.xlsx не является файлом Excel (.xlsx):"
        " это книга Excel 97-2003 (.xls); сохраните её как .xlsx"
    )


def test_an_xls_that_is_not_an_ole_file(tmp_path: Path) -> None:
    path = tmp_path / "t.xls"
    path.write_text("<html><table><tr><td>1</td></tr></table></html>", encoding="utf-8")
    error = refused(CalamineReader(), path)
    assert (error.code, error.details["expected"]) == (
        "file.not_a_workbook",
        "Excel 97-2003 (.xls)",
    )


def test_a_damaged_xls_is_malformed(tmp_path: Path) -> None:
    assert (
        refused(CalamineReader(), ole_file(tmp_path / "t.xls", "Workbook")).code == "file.malformed"
    )


@books
def test_the_file_size_limit(reader: SpreadsheetReader, tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["a"]])
    error = refused(reader, path, limits=ReadLimits(max_file_bytes=1000))
    assert error.code == "file.too_large"
    size = path.stat().st_size
    assert error.details == {
        "file": "t.xlsx",
        "size": size,
        "limit": 1000,
        "setting": "max_file_bytes",
    }
    assert error.message("en") == (
        f"t.xlsx is {size} bytes, over the limit of 1000; "
        "to read it, raise ReadLimits.max_file_bytes"
    )
    assert error.message("ru") == (
        f"Файл t.xlsx занимает {size} байт, больше допустимых 1000; чтобы прочитать его, "
        "увеличьте предел размера файла в настройках чтения"
    )


def test_calamine_refuses_files_over_its_loading_limit(tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["a"]])
    limits = ReadLimits(max_loaded_bytes=1000)
    error = refused(CalamineReader(), path, limits=limits)
    assert (error.code, error.details["limit"]) == ("file.too_large", 1000)
    assert error.details["setting"] == "max_loaded_bytes"
    assert read(OpenpyxlReader(), path, limits) == [(1, ("a",))]  # a streaming reader is not capped


@pytest.mark.parametrize(
    "rows_xml",
    [
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="10000"><c r="Z10000"><v>2</v></c></row>',
        "<row r='1'><c r='a1'><v>1</v></c></row>"
        "<row r = '10000'><c r = 'z10000'><v>2</v></c></row>",
        '<row r="1">'
        + "<c><v>1</v></c>" * 30
        + '</row><row r="10000"><c r="A10000"><v>2</v></c></row>',
        '<row r="1">' + '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:v>1</x:v></x:c>" * 30 + '</row><row r="10000"><c r="A10000"><v>2</v></c></row>',
    ],
    ids=["far", "spaced", "unplaced", "prefixed"],
)
def test_calamine_refuses_a_sheet_grid_over_the_memory_limit(tmp_path: Path, rows_xml: str) -> None:
    # calamine builds a dense grid of 32-byte cells: 10,000 x 26 cells is 8.3 MB. With
    # cells at A1 and XFD1048576 it would ask for 512 GiB and abort the process.
    path = sheet_data(workbook(tmp_path / "t.xlsx"), rows_xml)
    limits = ReadLimits(max_memory_bytes=1_000_000)
    error = refused(CalamineReader(), path, limits=limits)
    assert (error.code, error.details["setting"]) == (
        "file.needs_too_much_memory",
        "max_memory_bytes",
    )
    assert error.details["size"] >= 10_000 * 26 * 32
    assert [number for number, _ in read(OpenpyxlReader(), path, limits, width=26)] == [1, 10000]


@pytest.mark.parametrize(
    "rows_xml",
    [
        '<row r="10000"><c r="Z10000" s="1"/><c><v>2</v></c></row>',
        '<row r="10000" s="1"/><row><c><v>2</v></c></row>',
        '<row r="10000"><c r="Z10000" a="/>"><v>2</v></c></row>',
    ],
    ids=["placed after a styled cell", "placed after a styled row", "quoted tag end"],
)
def test_calamine_sizes_the_grid_by_every_cell_a_value_may_take_its_place_from(
    tmp_path: Path, rows_xml: str
) -> None:
    # calamine puts the cell without a reference after the one before it (AA10000, A10001),
    # and reads the quoted `/>` as text: each grid spans 10,000 rows of 26 cells or more.
    rows_xml = '<row r="1"><c r="A1"><v>1</v></c><c r="Z1"><v>1</v></c></row>' + rows_xml
    path = sheet_data(workbook(tmp_path / "t.xlsx"), rows_xml)
    error = refused(CalamineReader(), path, limits=ReadLimits(max_memory_bytes=1_000_000))
    assert error.code == "file.needs_too_much_memory"
    assert error.details["size"] >= 10_000 * 26 * 32


STYLED_TO_THE_END = (
    '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/></row>'
    '<row r="2" spans="1:16384"><c r="A2" t="inlineStr"><is><t>b</t></is></c></row>'
    '<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1" /></row>'
)


@books
def test_empty_styled_cells_reaching_the_last_cell_are_read(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    # A formatted last column and row, as Excel saves them: the values fill two rows.
    path = sheet_data(workbook(tmp_path / "t.xlsx"), STYLED_TO_THE_END, "A1:XFD1048576")
    limits = ReadLimits(max_memory_bytes=1_000_000)
    assert read(reader, path, limits, width=2) == [(1, (1, None)), (2, ("b", None))]


@books
def test_closing_releases_the_file(reader: SpreadsheetReader, tmp_path: Path) -> None:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to list open files")
    path = workbook(tmp_path / "t.xlsx", [["a"], ["b"]])

    def handles() -> int:
        descriptors = os.listdir("/proc/self/fd")
        return sum(os.path.realpath(f"/proc/self/fd/{fd}") == str(path) for fd in descriptors)

    with reader.open(path, SheetRequest(), ReadLimits()) as rows:
        assert next(iter(rows)) == (1, ("a",))
        assert handles() == 1
    assert handles() == 0


@books
def test_a_reader_refuses_a_type_it_does_not_read(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    path = tmp_path / "t.txt"
    path.write_text("a", encoding="utf-8")
    assert refused(reader, path).code == "file.unsupported"


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    for reader in [*BOOKS, CsvReader()]:
        suffix = ".csv" if isinstance(reader, CsvReader) else ".xlsx"
        error = refused(reader, tmp_path / f"gone{suffix}")
        assert (error.code, error.details["file"]) == ("file.unreadable", f"gone{suffix}")


# --- what openpyxl may hold ---------------------------------------------------------------


def traced_peak(action: Callable[[], object]) -> tuple[object, int]:
    """What `action` returns, and the most memory Python allocated while it ran."""
    tracemalloc.start()
    try:
        done = action()
        return done, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("rows_xml", "first"),
    [
        ('<row r="1">' + "<c><v>7</v></c>" * 200_000 + "</row>", (1, (7, 7))),
        ('<row r="1"><c r="A1"><v>7</v></c></row>' + "<junk><x/></junk>" * 100_000, (1, (7, None))),
        (
            "".join(
                f'<row r="{r}" ht="13.8" customHeight="1" hidden="0"><c r="A{r}"><v>7</v></c></row>'
                for r in range(1, 50_001)
            ),
            (1, (7, None)),
        ),
    ],
    ids=["a wide row", "unknown elements", "row attributes"],
)
def test_openpyxl_walks_a_sheet_in_flat_memory(tmp_path: Path, rows_xml: str, first: Row) -> None:
    """openpyxl built a row whole (a row of 200,000 cells: over 60 MB), kept elements it
    does not know, and kept every row's attributes; the reader keeps none of them."""
    path = sheet_data(workbook(tmp_path / "t.xlsx"), rows_xml, dimension=None)
    limits = ReadLimits(max_compression_ratio=1_000)  # the rows compress 300 times
    rows, peak = traced_peak(lambda: read(OpenpyxlReader(), path, limits, width=2))
    assert isinstance(rows, list)
    assert rows[0] == first
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ('<c r="A1" t="inlineStr"><is>' + "<r><t>a</t></r>" * 5_000 + "</is></c>",
         "an element holds over 10,000 elements"),
        (f'<c r="A1" t="inlineStr"><is><t>{"я" * 600_000}</t></is></c>',
         "it holds a text or tag of over 1,048,576 bytes"),
        ('<c r="A1">' + "<x>" * 70 + "</x>" * 70 + "</c>", "its elements nest over 64 deep"),
    ],
    ids=["parts", "text", "depth"],
)  # fmt: skip
def test_openpyxl_refuses_a_cell_it_would_have_to_hold_whole(
    tmp_path: Path, cell: str, reason: str
) -> None:
    path = sheet_data(workbook(tmp_path / "t.xlsx"), f'<row r="1">{cell}</row>')
    error = refused(OpenpyxlReader(), path)
    assert (error.code, error.details["cause"]) == ("file.malformed", "file.damaged")
    assert error.diagnostic["reason"] == reason


def test_openpyxl_reads_a_long_rich_text_cell(tmp_path: Path) -> None:
    cell = '<c r="A1" t="inlineStr"><is>' + "<r><t>ab</t></r>" * 3_000 + "</is></c>"
    long = f'<c r="B1" t="inlineStr"><is><t>{"я" * 400_000}</t></is></c>'
    path = sheet_data(workbook(tmp_path / "t.xlsx"), f'<row r="1">{cell}{long}</row>')
    assert read(OpenpyxlReader(), path, width=2) == [(1, ("ab" * 3_000, "я" * 400_000))]


def test_openpyxl_spends_the_shared_strings_from_the_memory_budget(tmp_path: Path) -> None:
    """50,000 strings of 10 to 15 characters take about 3.5 MB in openpyxl's list."""
    strings = [f"строка {n}" for n in range(50_000)]
    path = shared_strings(workbook(tmp_path / "t.xlsx"), strings)
    sheet_data(path, '<row r="1"><c r="A1" t="s"><v>49999</v></c></row>')
    assert read(OpenpyxlReader(), path) == [(1, ("строка 49999",))]
    error = refused(OpenpyxlReader(), path, limits=ReadLimits(max_memory_bytes=3_000_000))
    assert (error.code, error.details["setting"]) == (
        "file.needs_too_much_memory",
        "max_memory_bytes",
    )


def test_openpyxl_pays_for_the_styles_before_parsing_them(tmp_path: Path) -> None:
    """100,000 `<xf/>` (500 KB) would take openpyxl about 65 MB: refused in a 20 MB budget
    before openpyxl builds them."""
    path = workbook(tmp_path / "t.xlsx", [["a"]])
    styles = members(path)["xl/styles.xml"].decode()
    styles = re.sub(
        r'<cellXfs count="\d+">', '<cellXfs count="100000">' + "<xf/>" * 100_000, styles
    )
    rewrite(path, {"xl/styles.xml": styles.encode()})
    limits = ReadLimits(max_memory_bytes=20_000_000)
    (error, peak) = traced_peak(lambda: refused(OpenpyxlReader(), path, limits=limits))
    assert isinstance(error, SpreadsheetError)
    assert error.code == "file.needs_too_much_memory"
    assert error.details["size"] > 100_000 * 500
    assert peak < 5 * 1024 * 1024
    assert read(OpenpyxlReader(), path) == [(1, ("a",))]


@books
def test_a_file_unpacking_to_too_many_times_its_size_is_refused(
    reader: SpreadsheetReader, tmp_path: Path
) -> None:
    """2 MB of one repeated element compresses about 300 times: refused by the ratio
    unless the limit is raised; a file that unpacks to under 1 MiB is never judged by it."""
    rows_xml = '<row r="1"><c r="A1"><v>1</v></c></row>' + "<x/>" * 500_000
    path = sheet_data(workbook(tmp_path / "t.xlsx"), rows_xml)
    error = refused(reader, path)
    assert (error.code, error.details["setting"]) == (
        "file.too_compressed",
        "max_compression_ratio",
    )
    assert error.details["ratio"] > 250
    assert "(refused as a possible zip bomb)" in error.message("en")
    assert read(reader, path, ReadLimits(max_compression_ratio=2_000)) == [(1, (1,))]
    small = sheet_data(workbook(tmp_path / "small.xlsx"), "<x/>" * 200_000)
    assert read(reader, small) == []


@books
@pytest.mark.parametrize(
    ("names", "reason"),
    [
        ([f"p/{n}" for n in range(10_001)], "declares 10,010 members in"),
        ([f"{n:03}" + "x" * 9_000 for n in range(120)], "members in 1,086,"),
    ],
    ids=["members", "directory"],
)
def test_a_zip_directory_no_workbook_has_is_refused_before_it_is_read(
    reader: SpreadsheetReader, tmp_path: Path, names: list[str], reason: str
) -> None:
    """zipfile keeps about 600 bytes per member of the directory it reads."""
    path = workbook(tmp_path / "t.xlsx", [["a"]])
    with zipfile.ZipFile(path, "a") as archive:
        for name in names:
            archive.writestr(name, b"")
    error, peak = traced_peak(lambda: refused(reader, path))
    assert isinstance(error, SpreadsheetError)
    assert (error.code, error.details["cause"]) == ("file.malformed", "file.too_many_parts")
    assert reason in error.diagnostic["reason"]
    assert peak < 3 * 1024 * 1024


# --- OpenDocument, through calamine ------------------------------------------------------------


def test_calamine_reads_an_ods(tmp_path: Path) -> None:
    row = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p> Чай </text:p>'
        "<text:p>зелёный</text:p></table:table-cell>"
        '<table:table-cell office:value-type="float" office:value="12"/>'
        '<table:table-cell office:value-type="float" office:value="2.5"/>'
        '<table:table-cell office:value-type="date" office:date-value="2026-11-20"/>'
        '<table:table-cell office:value-type="boolean" office:boolean-value="true"/>'
        "</table:table-row><table:table-row><table:table-cell/></table:table-row>"
        '<table:table-row><table:table-cell office:value-type="string"><text:p>_x000D_</text:p>'
        "</table:table-cell></table:table-row>"
    )
    path = ods(tmp_path / "t.ods", row)
    assert read(CalamineReader(), path, width=5) == [
        (1, ("Чай \nзелёный", 12, Decimal("2.5"), date(2026, 11, 20), True)),
        (3, ("_x000D_", None, None, None, None)),  # not an OOXML file: no escapes
    ]


def test_calamine_refuses_a_password_protected_ods(tmp_path: Path) -> None:
    path = ods(tmp_path / "t.ods", "<table:table-row/>")
    manifest = members(path)["META-INF/manifest.xml"].replace(
        b"</manifest:manifest>",
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AA=="/>'
        b"</manifest:file-entry></manifest:manifest>",
    )
    rewrite(path, {"META-INF/manifest.xml": manifest})
    assert refused(CalamineReader(), path).code == "file.encrypted"


# --- what calamine may hold ---------------------------------------------------------------

FILES = Path(__file__).parent / "files"
REAL_ROWS = [
    (1, ("№ заказа", "Дата доставки", "Получатель", "Мест", "Вес", None, "Комментарий")),
    (2, ("R-1", date(2026, 12, 1), "Иванов И. И.", 2, Decimal("1.5"), None, "Позвонить")),
    (3, ("R-2", date(2026, 12, 2), "Петрова А. С.", 1, Decimal("0.25"), None, None)),
    (4, ("R-3", date(2026, 12, 2), "Петрова А. С.", 1, Decimal("0.25"), None, None)),
    (6, ("R-4", None, "Сидоров", 3, 3, 3, "три")),
]


@pytest.mark.parametrize("name", ["registry-libreoffice.ods", "registry-libreoffice.xls"])
def test_calamine_reads_files_libreoffice_saved(name: str) -> None:
    """Saved by LibreOffice from a workbook of these rows: every .ods row ends in an empty
    cell repeated to column 16,384, row 5 is one repeated 16,384 times, R-4's 3 stands
    for three cells, and 1,048,569 empty rows follow: all read, none materialised."""
    assert read(CalamineReader(), FILES / name, width=7) == REAL_ROWS


def cell(value: str, attributes: str = "") -> str:
    return f'<table:table-cell office:value-type="float" office:value="{value}"{attributes}/>'


def text_cell(text: str, attributes: str = "") -> str:
    cell = f'<table:table-cell office:value-type="string"{attributes}><text:p>'
    return cell + text + "</text:p></table:table-cell>"


def row(*cells: str, attributes: str = "") -> str:
    return f"<table:table-row{attributes}>{''.join(cells)}</table:table-row>"


def across(count: int | str) -> str:
    return f' table:number-columns-repeated="{count}"'


def down(count: int | str) -> str:
    return f' table:number-rows-repeated="{count}"'


@pytest.mark.parametrize(
    "rows_xml",
    [
        row(cell("1", across(16_000))) * 3_000,
        row(cell("1", across(100)), attributes=down(1_000_000)),
        row(f"<table:table-cell{across(15_999)}/>", cell("1"))
        + row(attributes=down(100_000)) + row(cell("2")),
        row(cell("1", across(16_000)), attributes=down(0)) * 2_000,
        row(text_cell('<text:s text:c="1000000000"/>')),
        row(text_cell("ж" * 10_000, across(100_000))),
        row(cell("1"), attributes=down("&#49;000000000")),
    ],
    ids=["repeated cells in rows", "repeated rows", "empty rows between", "rows repeated 0 times",
         "spaces", "a repeated string", "an escaped count"],
)  # fmt: skip
def test_calamine_refuses_an_ods_that_repeats_its_way_to_gigabytes(
    tmp_path: Path, rows_xml: str
) -> None:
    """The first is the 0.7 KiB file that took 5.9 GB: calamine materialises what the
    repeats stand for (and 1.6 billion cells in one row abort the process)."""
    path = ods(tmp_path / "t.ods", rows_xml)
    limits = ReadLimits(max_compression_ratio=10_000)
    (error, peak) = traced_peak(lambda: refused(CalamineReader(), path, limits=limits))
    assert isinstance(error, SpreadsheetError)
    assert (error.code, error.details["setting"]) == (
        "file.needs_too_much_memory",
        "max_memory_bytes",
    )
    assert error.details["size"] > ReadLimits().max_memory_bytes
    assert peak < 8 * 1024 * 1024


def test_calamine_reads_an_ods_whose_repeats_stay_small(tmp_path: Path) -> None:
    rows_xml = (
        row(cell("1", across(3)), text_cell("a"))
        + row(attributes=down(2))
        + row(text_cell("b", across(2)), attributes=down(2))
        + row(f"<table:table-cell{across(1_000_000)}/>")
        + row(attributes=down(1_000_000))
    )  # fmt: skip
    assert read(CalamineReader(), ods(tmp_path / "t.ods", rows_xml), width=5) == [
        (1, (1, 1, 1, "a", None)),
        (4, ("b", "b", None, None, None)),
        (5, ("b", "b", None, None, None)),
    ]


@pytest.mark.parametrize(
    "rows_xml",
    [
        row(text_cell("x", ' x="a</table:table-row><table:table-row>b"'), cell("1", across(9))),
        "<!-- <table:table-row> -->" + row(cell("1")),
        row(text_cell("<table:table-row><table:table-cell/></table:table-row>")),
    ],
    ids=["a row end in a value", "a comment", "a row in a cell"],
)  # fmt: skip
def test_calamine_refuses_an_ods_whose_rows_the_scan_cannot_tell(
    tmp_path: Path, rows_xml: str
) -> None:
    """quick-xml reads `x="a</table:table-row>b"` as a value, a plain search as a row's
    end: markup inside values, comments or CDATA, and rows in rows, are refused."""
    error = refused(CalamineReader(), ods(tmp_path / "t.ods", rows_xml))
    assert (error.code, error.details["cause"]) == ("file.malformed", "file.damaged")
    assert error.diagnostic["reason"] in (
        "its content.xml has markup inside a value, comment or CDATA",
        "its content.xml nests a table or a row in a row",
    )


def test_calamine_pays_for_each_copy_of_a_shared_string(tmp_path: Path) -> None:
    """1,000 cells naming one shared string of a million characters took 1 GB: calamine
    copies it into every cell (here 2,000 cells and 800 KB)."""
    rows_xml = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 2001))
    path = shared_strings(sheet_data(workbook(tmp_path / "t.xlsx"), rows_xml), ["я" * 400_000])
    error = refused(CalamineReader(), path)
    assert error.code == "file.needs_too_much_memory"
    assert error.details["size"] > 2_000 * 800_000
    assert len(read(OpenpyxlReader(), path)) == 2_000  # openpyxl keeps the one string


@pytest.mark.parametrize(
    ("records", "dimension"),
    [
        ([biff_number(0, 0, 1)], biff_dimension(0, 0xFFFFFFFF, 0, 0xFFFF)),
        ([biff_number(0, 0, 1), biff_number(65_535, 255, 2)], None),
        ([biff_shared(row, 0, 0) for row in range(5_000)], None),
    ],
    ids=["a declared dimension", "cells far apart", "copies of a shared string"],
)
def test_calamine_refuses_an_xls_it_would_allocate_for(
    tmp_path: Path, records: list[BiffRecord], dimension: BiffRecord | None
) -> None:
    """calamine reserves what DIMENSION declares (a 5 KB file aborted the process asking
    for 11 PB), spans a grid from the first cell to the last (65,536 x 256 cells: 1 GB
    with the copy handed over), and copies a shared string into each cell naming it."""
    path = xls(tmp_path / "t.xls", records, strings=["ж" * 30_000], dimension=dimension)
    error = refused(CalamineReader(), path)
    assert error.code == "file.needs_too_much_memory"


#: The formula tokens of the number 1 (PtgInt); `\x19\x40\x00` + n: n spaces (PtgAttrSpace).
ONE = b"\x1e\x01\x00"


def formula(row: int, tokens: bytes) -> BiffRecord:
    value = struct.pack("<d", 1.0)
    return 0x0006, struct.pack("<3H8sHLH", row, 0, 0, value, 0, 0, len(tokens)) + tokens


@pytest.mark.parametrize(
    ("tokens", "reason"),
    [
        (ONE + b"\x19\x40\x00\x05" * 450, "a formula has 1,803 token bytes, over 1,800"),
        (ONE + b"\x19\x40\x00\xff" * 5, "a formula inserts 1,275 spaces, over 1,024"),
    ],
    ids=["too long", "too many spaces"],
)  # fmt: skip
def test_calamine_refuses_an_xls_formula_it_would_spend_seconds_on(
    tmp_path: Path, tokens: bytes, reason: str
) -> None:
    """calamine writes each formula as text when the workbook opens, inserting every
    space at the front of what it wrote: 20 formulas of 2,000 x 255 spaces took 42 s."""
    path = xls(tmp_path / "t.xls", [formula(0, tokens)])
    error = refused(CalamineReader(), path)
    assert (error.code, error.details["cause"]) == ("file.malformed", "file.damaged")
    assert error.diagnostic["reason"] == reason


def test_a_formula_calamine_panics_on_is_a_damaged_file(tmp_path: Path) -> None:
    """A 3-D reference cut short: calamine indexes past the tokens and panics."""
    path = xls(tmp_path / "t.xls", [formula(0, b"\x3a\x01")])
    error = refused(CalamineReader(), path)
    assert (error.code, error.details["cause"]) == ("file.malformed", "file.damaged")
    assert "out of range" in error.diagnostic["reason"]
    assert "out of range" not in error.message("ru")


def test_calamine_reads_an_xls_with_formulas_and_shared_strings(tmp_path: Path) -> None:
    spaced = ONE + b"\x19\x40\x00\x03"  # 1, then three spaces
    records = [formula(0, spaced), biff_shared(1, 1, 1), biff_number(2, 0, 2.5)]
    path = xls(tmp_path / "t.xls", records, strings=["a", "Чай"])
    assert read(CalamineReader(), path, width=2) == [
        (1, (1, None)),
        (2, (None, "Чай")),
        (3, (Decimal("2.5"), None)),
    ]


@pytest.mark.parametrize(
    "cells",
    [
        [xlsb_row(0), xlsb_number(0, 1), xlsb_row(20_000), xlsb_number(20_000, 2)],
        [xlsb_row(0), *(xlsb_shared(column, 0) for column in range(2_000))],
    ],
    ids=["cells far apart", "copies of a shared string"],
)
def test_calamine_refuses_an_xlsb_it_would_allocate_for(tmp_path: Path, cells: list[bytes]) -> None:
    """A 922-byte .xlsb with cells at A1 and at row and column 20,000 asked for 12.8 GB
    and aborted the process (calamine takes any 32-bit column)."""
    path = xlsb(tmp_path / "t.xlsb", cells, strings=["ж" * 100_000])
    error = refused(CalamineReader(), path)
    assert error.code == "file.needs_too_much_memory"


def test_calamine_reads_an_xlsb(tmp_path: Path) -> None:
    cells = [xlsb_row(0), xlsb_number(0, 1.5), xlsb_shared(1, 1), xlsb_row(2), xlsb_number(2, 7)]
    path = xlsb(tmp_path / "t.xlsb", cells, strings=["a", "Чай"], dimension=(0, 2, 0, 2))
    assert read(CalamineReader(), path, width=3) == [
        (1, (Decimal("1.5"), "Чай", None)),
        (3, (None, None, 7)),
    ]


# --- CSV --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("utf-8", ";"), ("utf-8-sig", ";"), ("cp1251", ";"), ("utf-8", ","), ("cp1251", ",")],
)
def test_csv_encodings_and_separators(tmp_path: Path, encoding: str, separator: str) -> None:
    text = f"Номер{separator}Получатель{separator}Сумма\n1{separator} Пётр {separator}12,50\n"
    path = tmp_path / "r.csv"
    path.write_bytes(text.replace(",50", ".50" if separator == "," else ",50").encode(encoding))
    amount = "12.50" if separator == "," else "12,50"
    assert read(CsvReader(), path, width=3) == [
        (1, ("Номер", "Получатель", "Сумма")),
        (2, ("1", "Пётр", amount)),
    ]


def test_csv_quotes_hold_separators_and_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('a;"b;c";"d ""e"""\n"многострочный\r\nадрес";;\n', encoding="utf-8", newline="")
    assert read(CsvReader(), path, width=3) == [
        (1, ("a", "b;c", 'd "e"')),
        (2, ("многострочный\r\nадрес", None, None)),
    ]


def test_csv_separator_is_counted_outside_quotes(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('\n"Иванов, Пётр, Сидоров";x\n', encoding="utf-8")
    assert read(CsvReader(), path, width=2) == [(2, ("Иванов, Пётр, Сидоров", "x"))]


def test_csv_rows_width_and_range(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a;b;c\n\n;;\nd\ne;f;g;h\n", encoding="utf-8")
    assert read(CsvReader(), path, width=2) == [(1, ("a", "b")), (4, ("d", None)), (5, ("e", "f"))]
    assert read(CsvReader(), path, first_row=2, last_row=4, width=2) == [(4, ("d", None))]
    assert read(CsvReader(), path, first_row=9, width=2) == []


@pytest.mark.parametrize(
    ("text", "request_", "hint"),
    [
        ("a;b\nc;d\ne;f\n", SheetRequest(), 3),
        ("a;b\r\nc;d\r\ne;f", SheetRequest(), 3),  # the last line unterminated
        ("a;b\rc;d\re;f\r", SheetRequest(), 3),  # old Mac line ends
        ("h\n" + "x;1\n" * 1500, SheetRequest(first_row=2), 1500),
        ("h\n" + "x;1\n" * 1500, SheetRequest(first_row=2, last_row=11), 10),
        ('"two\nlines";x\ny;z\n', SheetRequest(), 3),  # a bound: two records, three lines
        ("", SheetRequest(), 0),
    ],
)
def test_a_csv_hints_its_physical_lines(
    tmp_path: Path, text: str, request_: SheetRequest, hint: int
) -> None:
    # A CSV file has no dimension; the progress bar showed "1000/?" for every one.
    path = tmp_path / "r.csv"
    path.write_bytes(text.encode())
    with CsvReader().open(path, request_, ReadLimits()) as rows:
        assert rows.total_hint == hint
        assert len(list(rows)) <= hint


def test_csv_has_one_sheet_under_any_name(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a\n", encoding="utf-8")
    assert read(CsvReader(), path, sheet="Реестр") == [(1, ("a",))]
    error = refused(CsvReader(), path, sheet=2)
    assert (error.code, error.details["sheets"]) == ("sheet.not_found", "r")


def test_csv_refuses_a_giant_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a;b\n" + ";" * (1 << 20) + "\n", encoding="utf-8")
    error = refused(CsvReader(), path, width=2)
    assert (error.code, error.details["cause"]) == ("file.malformed", "file.line_too_long")
    assert error.message("ru") == (
        "Файл r.csv повреждён или небезопасен: в нём есть строка длиннее 1048576 символов"
    )


def test_csv_refuses_binary_content(tmp_path: Path) -> None:
    path = workbook(tmp_path / "r.csv", [["a"]])  # an .xlsx saved under a .csv name
    error = refused(CsvReader(), path)
    assert (error.code, error.details["expected"]) == ("file.not_a_workbook", "CSV")


# --- the reader registry -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "chosen"),
    [
        (".xlsx", OpenpyxlReader),
        (".XLSM", OpenpyxlReader),
        (".xls", CalamineReader),
        (".ods", CalamineReader),
        (".csv", CsvReader),
    ],
)
def test_the_default_reader_of_a_suffix(suffix: str, chosen: type) -> None:
    assert type(Plugins(entry_points=False).reader(None, suffix, {})) is chosen


def test_no_reader_for_a_suffix_lists_the_known_ones() -> None:
    with pytest.raises(SpreadsheetError) as raised:
        Plugins(entry_points=False).reader(None, ".txt", {})
    assert raised.value.code == "file.unsupported"
    assert raised.value.details == {
        "suffix": ".txt",
        "known": ".csv, .ods, .xls, .xlsb, .xlsm, .xlsx",
    }


def test_a_reader_by_name() -> None:
    plugins = Plugins(entry_points=False)
    assert list(plugins.readers) == ["openpyxl", "csv", "calamine"]
    assert type(plugins.reader("calamine", ".xlsx", {})) is CalamineReader
    with pytest.raises(ValidationError):
        plugins.reader("openpyxl", ".xlsx", {"fast": True})


def test_an_unknown_reader_lists_the_installed_ones() -> None:
    with pytest.raises(SpreadsheetError) as raised:
        Plugins(entry_points=False).reader("xlrd", ".xls", {})
    assert raised.value.details == {
        "reader": "xlrd",
        "installed": "calamine, csv, openpyxl",
        "hint": "",
    }


def test_calamine_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("custody_core.adapters.spreadsheets.find_spec", lambda name: None)
    plugins = Plugins(entry_points=False)
    assert "calamine" not in plugins.readers
    with pytest.raises(SpreadsheetError) as raised:
        plugins.reader("calamine", ".xls", {})
    assert raised.value.details["hint"] == " (pip install 'custody-core[calamine]')"
    with pytest.raises(SpreadsheetError) as raised:
        plugins.reader(None, ".xls", {})
    assert raised.value.code == "file.unsupported"


class StreamingOds:
    suffixes = frozenset({".ods"})
    streaming = True

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> None:
        raise NotImplementedError


def test_a_streaming_plugin_reader_is_preferred_to_calamine() -> None:
    class OdsPlugin:
        @hookimpl
        def custody_register_readers(self, register: ReaderRegistry) -> None:
            register("stream-ods", lambda options: StreamingOds())

    plugins = Plugins([OdsPlugin()], entry_points=False)
    assert type(plugins.reader(None, ".ods", {})) is StreamingOds
    assert type(plugins.reader(None, ".xls", {})) is CalamineReader


# --- both workbook readers agree ---------------------------------------------------------------

ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
#: Characters openpyxl can store: no C0 controls but tab, newline and carriage return.
_CHARACTERS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(32) if chr(c) not in "\t\n\r"],
)
_PIECES = st.sampled_from(
    ["_x000D_", "_x005F_", "_x0041_", "_x00e9_", "_x0100_", "_X000A_", "_x00", "x005F_", " ", "Ж"]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(_CHARACTERS, max_size=6)), max_size=4).map("".join)
_MOMENTS = st.datetimes(
    datetime.combine(date(1904, 1, 2), clock()), datetime.combine(date(9999, 12, 30), clock())
)
_VALUES = st.one_of(
    st.none(),
    _TEXT.filter(lambda text: not text.startswith("=")),
    st.sampled_from(["  Петров  ", "Ёлка", "\t", "   "]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(date(1904, 1, 2), date(9999, 12, 31)),
    _MOMENTS,
    _MOMENTS.map(lambda moment: moment.replace(hour=0, minute=0, second=0, microsecond=0)),
    st.times(max_value=clock(23, 59, 59, 999_000)),  # later rounds to midnight: see docs
    st.timedeltas(timedelta(0), timedelta(days=1000)),
    st.sampled_from(ERRORS),
)
_CACHED = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: (None, repr(x))),
    st.sampled_from(["итого", " x ", "_x000D_"]).map(lambda text: ("str", text)),
    st.booleans().map(lambda flag: ("b", str(int(flag)))),
    st.sampled_from(ERRORS).map(lambda code: ("e", code)),
)
_CELLS = st.one_of(_VALUES, _CACHED.map(lambda cached: ("formula", cached)))


@given(
    rows=st.lists(st.lists(_CELLS, max_size=4), min_size=1, max_size=6),
    mac_epoch=st.booleans(),
)
def test_openpyxl_and_calamine_read_the_same_rows(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[object]], mac_epoch: bool
) -> None:
    book = openpyxl.Workbook()
    if mac_epoch:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    cached: dict[str, tuple[str | None, str]] = {}
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values, 1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, tuple):
                cell.value = "=N(0)"
                cached[cell.coordinate] = value[1]
            else:
                cell.value = value
    path = tmp_path_factory.mktemp("same") / "t.xlsx"
    book.save(path)
    cache_formulas(path, cached)
    assert read(OpenpyxlReader(), path, width=4) == read(CalamineReader(), path, width=4)
