"""What python-calamine will hold for an .xlsb workbook, counted from its records beforehand.

An .xlsb file is a zip of binary parts, each a run of records (a type and a
size in 7-bit groups, then the data). calamine (0.37, in python-calamine 0.9)
loads the shared strings when the workbook opens, then a sheet whole: a list
of its cells, then a dense grid spanning them, into which each string is
copied, a shared one once per cell naming it. A row is at most 1,048,576
(calamine stops at a larger one) but a column is any 32-bit number: a 922-byte
file with cells at A1 and at row and column 20,000 asks for 12.8 GB and aborts
the process; 2,000 cells naming one string of 100,000 characters took 770 MiB,
two copies of it per cell.
The sheet's declared dimension (`BrtWsDim`) reserves room only under 100,000
cells, so it costs at most that.
"""

from __future__ import annotations

import struct
import zipfile
from array import array
from collections.abc import Iterator
from functools import partial
from typing import IO

from custody_core.adapters.spreadsheets.memory import MemoryBudget

#: A cell of calamine's list of a sheet's cells; the grid and its converted copy; a
#: string's allocation besides its characters; a shared string in calamine's table.
CELL_BYTES = 40
GRID_BYTES = 64
STRING_BYTES = 32
SHARED_BYTES = 56
#: A UTF-16 code unit as UTF-8, at most.
UNIT_BYTES = 3
#: The most cells calamine reserves for a sheet's declared dimension.
RESERVED = 100_000
_LAST_ROW = 0x100000
_SHARED_PART = "xl/sharedstrings.bin"
_ROW, _SHARED, _STRING, _FORMULA_STRING, _SHEET_DATA, _SHEET_DATA_END = 0, 7, 6, 8, 0x91, 0x92
_DIMENSION, _SHARED_ITEM = 0x94, 0x13
#: BrtCellRk, Error, Bool, Real, St, Isst and the four BrtFmla* records: a cell each.
_CELLS = frozenset(range(0x02, 0x0C))
_U32 = struct.Struct("<L")
_BLOCK = 1 << 20
#: A longer record is refused: calamine would allocate it whole (a cell of 32,767
#: characters is 64 KB).
_LONGEST_RECORD = 4 << 20


def xlsb_load(archive: zipfile.ZipFile, budget: MemoryBudget) -> None:
    """Spend what calamine holds to read `archive`'s largest sheet: the shared strings,
    then the sheet's cells, grid and strings. Every part holding sheet data is judged,
    as a hostile workbook may keep a sheet under any name."""
    lengths = array("I")
    for member in archive.infolist():
        if member.filename.replace("\\", "/").lower() == _SHARED_PART:
            with archive.open(member) as stream:
                lengths = _shared_strings(stream, budget)
    longest = max(lengths, default=0)
    largest = 0
    for member in archive.infolist():
        with archive.open(member) as stream:
            largest = max(largest, _sheet(stream, lengths, longest))
    budget.spend(largest)


def _shared_strings(stream: IO[bytes], budget: MemoryBudget) -> array[int]:
    """Each shared string's UTF-8 bytes at most, its cost spent as it is read."""
    lengths = array("I")
    for kind, data in _records(stream):
        if kind == _SHARED_ITEM and len(data) >= 5:
            units = _U32.unpack_from(data, 1)[0]
            lengths.append(UNIT_BYTES * units)
            budget.spend(SHARED_BYTES + UNIT_BYTES * units)
    return lengths


def _sheet(stream: IO[bytes], lengths: array[int], longest: int) -> int:
    """What calamine holds for a sheet part: its reserved and listed cells, its grid and
    copy, and the strings copied into them; 0 for a part holding no sheet data."""
    records = _records(stream)
    reserved = 0
    for kind, data in records:
        if kind == _DIMENSION and len(data) >= 16:
            first_row, last_row, first_column, last_column = struct.unpack_from("<4L", data)
            declared = (last_row - first_row + 1) * (last_column - first_column + 1)
            reserved = declared if 0 <= declared < RESERVED else 0
        elif kind == _SHEET_DATA:
            break
    else:
        return 0
    cells = text = row = 0
    rows: list[int] = []
    columns: list[int] = []
    for kind, data in records:
        if kind == _ROW and len(data) >= 4:
            row = _U32.unpack_from(data)[0]
            if row > _LAST_ROW:
                break
        elif kind in _CELLS and len(data) >= 4:
            column = _U32.unpack_from(data)[0]
            _widen(rows, row)
            _widen(columns, column)
            cells += 1
            text += _copied(kind, data, lengths, longest)
        elif kind == _SHEET_DATA_END:
            break
    grid = (rows[1] - rows[0] + 1) * (columns[1] - columns[0] + 1) if rows else 0
    return CELL_BYTES * max(reserved, cells) + GRID_BYTES * grid + text


def _copied(kind: int, data: bytes, lengths: array[int], longest: int) -> int:
    """The strings a cell record makes calamine copy, if any: two (2,000 cells naming a
    string of 200,000 bytes took 770 MiB)."""
    if kind == _SHARED:
        index = _U32.unpack_from(data, 8)[0] if len(data) >= 12 else 0
        return 2 * (STRING_BYTES + (lengths[index] if index < len(lengths) else longest))
    if kind in (_STRING, _FORMULA_STRING) and len(data) >= 12:
        return 2 * (STRING_BYTES + UNIT_BYTES * int(_U32.unpack_from(data, 8)[0]))
    return 0


def _widen(span: list[int], place: int) -> None:
    """Widen a [first, last] span to `place`."""
    if not span:
        span += [place, place]
    elif place < span[0]:
        span[0] = place
    elif place > span[1]:
        span[1] = place


def _records(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(type, data) of each record of a binary part, as calamine reads them (a type of at
    most two 7-bit groups, a size of at most four), read in blocks; a record cut short
    ends the part, one over `_LONGEST_RECORD` is refused."""
    buffer = b""
    at = 0
    for block in iter(partial(stream.read, _BLOCK), b""):
        buffer = buffer[at:] + block
        at = 0
        while (record := _record(buffer, at)) is not None:
            kind, start, end = record
            yield kind, buffer[start:end]
            at = end
        if len(buffer) - at > _LONGEST_RECORD:
            raise ValueError(f"a record is over {_LONGEST_RECORD:,} bytes")


def _record(buffer: bytes, at: int) -> tuple[int, int, int] | None:
    """The record starting at `at`: its type, and where its data starts and ends; None
    when the buffer does not hold it whole."""
    end = len(buffer)
    if at >= end:
        return None
    kind = buffer[at] & 0x7F
    if buffer[at] & 0x80:
        at += 1
        if at >= end:
            return None
        kind |= (buffer[at] & 0x7F) << 7
    at += 1
    size = 0
    for shift in (0, 7, 14, 21):
        if at >= end:
            return None
        byte = buffer[at]
        at += 1
        size |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
    return (kind, at, at + size) if at + size <= end else None
