"""What python-calamine will hold for an .xls workbook, counted from its records beforehand.

An .xls file is an OLE compound file whose `Workbook` stream holds BIFF
records. calamine (0.37, in python-calamine 0.9) reads the whole stream, its
shared strings and every sheet when the workbook opens:

- for each `DIMENSION` record it reserves room for the rows x columns it
  declares, 40 bytes each (a 5 KB file declaring 2**32 x 65,535 cells aborts
  the process);
- each cell record adds a 40-byte cell to a list, and the sheet becomes a
  dense grid of 32-byte cells from its first cell's place to its last (a
  cell at row 65,535 and column 65,535 asks for 128 GiB); python-calamine
  hands over a copy of the grid;
- each `LABELSST` cell copies its shared string (1,000 cells naming a string
  of 30,000 characters took 120 MB, in the list and the copy);
- each formula is rewritten as text: a grid of 24-byte strings besides, and
  each token may grow into a sheet's or a name's name, or 255 spaces.

`xls_load` reads the compound file's directory and sector chains and walks
the records as calamine does, spending the cost of each sheet. A formula of
more than 1,800 token bytes (MS-XLS: "MUST be less than or equal to 1800")
or 1,024 spaces is refused: calamine inserts each space at the front of the
text written so far, so such formulas take seconds apiece.
"""

from __future__ import annotations

import mmap
import struct
from array import array
from collections.abc import Iterator
from pathlib import Path

from custody_core.adapters.spreadsheets.memory import MemoryBudget

#: A reserved or listed cell, a cell of the grid (32 bytes; a grid of 15 million cells
#: took 33 a cell with its copy), of the formula grid, and a string's allocation besides
#: its characters.
CELL_BYTES = 40
GRID_BYTES = 33
FORMULA_BYTES = 24
STRING_BYTES = 32
#: A character as UTF-8, at most (calamine holds text as UTF-8; BIFF as 1 or 2 bytes).
CHARACTER_BYTES = 3
_LONGEST_FORMULA = 1_800
_MOST_SPACES = 1_024
_STREAMS = ("workbook", "book")
_END_OF_CHAIN = 0xFFFFFFFE
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<L")
_HEADER = struct.Struct("<2H")
_PLACE = struct.Struct("<2H")
#: Records holding one cell at (row, column): NUMBER, LABEL, BOOLERR, RK, LABELSST,
#: RSTRING; FORMULA and MULRK are read apart.
_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
_LABEL_SST, _LABEL, _RSTRING, _MULRK, _FORMULA, _STRING = 0x00FD, 0x0204, 0x00D6, 0x00BD, 6, 0x207
_OTHER_CELLS = frozenset({_MULRK, _FORMULA, _STRING})
_DIMENSION, _BOUND_SHEET, _SST, _CONTINUE, _NAME, _EOF = 0x0200, 0x0085, 0x00FC, 0x3C, 0x18, 0x0A


def xls_load(path: Path, budget: MemoryBudget) -> None:
    """Spend what calamine holds to read the .xls at `path`: its stream, shared strings
    and every sheet, with the copy of the largest it hands over."""
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for stream in _Compound(data).streams(_STREAMS):
            budget.spend(len(stream))
            _Workbook(stream, budget).spend()


class _Compound:
    """An OLE compound file's sectors, allocation table and directory, enough to read a
    stream by name (as calamine's `cfb` does, names compared without case)."""

    def __init__(self, data: mmap.mmap) -> None:
        self._data = data
        if len(data) < 512:
            raise ValueError("its OLE header is cut short")
        shift, mini_shift = struct.unpack_from("<2H", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("its OLE header names an unknown sector size")
        self._size = 1 << shift
        fat_count, directory, _, cutoff, mini_fat, _, difat, difat_count = struct.unpack_from(
            "<8L", data, 44
        )
        self._cutoff = cutoff
        entries = list(struct.unpack_from("<109L", data, 76))
        sector = difat
        for _ in range(min(difat_count, len(data) // self._size)):
            block = array("I", self._sector(sector))
            entries.extend(block[:-1])
            sector = block[-1]
        self._fat = array("I")
        for sector in entries[:fat_count]:
            self._fat.frombytes(self._sector(sector))
        self._entries = self._read(directory, self._fat, self._size)
        self._mini_fat = array("I", self._read(mini_fat, self._fat, self._size))

    def streams(self, names: tuple[str, ...]) -> Iterator[bytes]:
        """The streams named one of `names` (lower case), each read whole."""
        root = self._entries[:128]
        for at in range(0, len(self._entries) - 127, 128):
            entry = self._entries[at : at + 128]
            length = min(_U16.unpack_from(entry, 64)[0], 64)
            name = entry[: max(length - 2, 0)].decode("utf-16-le", "replace").lower()
            if entry[66] == 2 and name in names:
                start, size = struct.unpack_from("<LQ", entry, 116)
                if size < self._cutoff:
                    mini = self._read(_U32.unpack_from(root, 116)[0], self._fat, self._size)
                    yield self._read(start, self._mini_fat, 64, mini)[:size]
                else:
                    yield self._read(start, self._fat, self._size)[:size]

    def _read(self, start: int, table: array[int], size: int, within: bytes | None = None) -> bytes:
        """The sectors of the chain from `start` in `table`, joined (those of `within`,
        the mini stream, for mini sectors)."""
        source = self._data if within is None else within
        offset = size if within is None else 0  # regular sectors follow the 512-byte header
        parts = []
        for sector in self._chain(start, table):
            at = offset + sector * size
            if at + size > len(source):
                raise ValueError("its OLE sector chain points past the end of the file")
            parts.append(source[at : at + size])
        return b"".join(parts)

    def _sector(self, sector: int) -> bytes:
        at = self._size + sector * self._size
        if at + self._size > len(self._data):
            raise ValueError("its OLE sector chain points past the end of the file")
        return self._data[at : at + self._size]

    def _chain(self, start: int, table: array[int]) -> Iterator[int]:
        """The sectors of a chain, refusing one that loops (it may visit each at most once)."""
        sector = start
        for _ in range(len(table) + 1):
            if sector >= _END_OF_CHAIN or (sector >= len(table) and table):
                return
            yield sector
            if not table:
                return
            sector = table[sector]
        raise ValueError("its OLE sector chain loops")


class _Workbook:
    """The records of a workbook stream, walked as calamine reads them."""

    def __init__(self, stream: bytes, budget: MemoryBudget) -> None:
        self._stream = stream
        self._budget = budget
        self._strings = array("I")  # characters of each shared string
        self._sheets: list[int] = []
        self._longest_name = 0

    def spend(self) -> None:
        self._globals()
        largest = 0
        for start in self._sheets:
            kept, handed = self._sheet(start)
            self._budget.spend(kept)
            largest = max(largest, handed)
        self._budget.spend(largest)

    def _records(self, at: int) -> Iterator[tuple[int, int, int]]:
        """(type, start, end) of each record from `at` to the next EOF."""
        stream = self._stream
        while at + 4 <= len(stream):
            kind, length = _HEADER.unpack_from(stream, at)
            at += 4
            yield kind, at, min(at + length, len(stream))
            if kind == _EOF:
                return
            at += length

    def _globals(self) -> None:
        stream = self._stream
        pieces: list[tuple[int, int]] = []  # the last SST and its CONTINUE records
        for kind, start, end in self._records(0):
            if kind == _CONTINUE and pieces:
                pieces.append((start, end))
                continue
            if pieces:
                self._shared_strings(pieces)
                pieces = []
            if kind == _BOUND_SHEET and end - start >= 8:
                self._sheets.append(_U32.unpack_from(stream, start)[0])
                self._name(stream[start + 6])
            elif kind == _NAME and end - start >= 4:
                self._name(stream[start + 3])
            elif kind == _SST and end - start >= 8:
                pieces = [(start, end)]
        if pieces:
            self._shared_strings(pieces)

    def _name(self, characters: int) -> None:
        self._longest_name = max(self._longest_name, CHARACTER_BYTES * characters)

    def _shared_strings(self, pieces: list[tuple[int, int]]) -> None:
        """Each shared string's characters, read from the SST record and the CONTINUE
        records after it (characters may run on into them, each piece with a new flags
        byte), as calamine reads them; the last table read is the one cells name."""
        start, end = pieces[0]
        count = max(struct.unpack_from("<l", self._stream, start + 4)[0], 0)
        pieces[0] = (start + 8, end)
        reader = _Pieces(self._stream, pieces)
        self._strings = array("I")
        for _ in range(count):
            if not reader.more():
                break
            characters, flags = reader.header()
            runs = reader.u16() if flags & 0x8 else 0
            extra = reader.u32() if flags & 0x4 else 0
            reader.characters(characters, flags & 0x1)
            reader.skip(4 * runs + extra)
            self._strings.append(characters)
            self._budget.spend(STRING_BYTES + 24 + CHARACTER_BYTES * characters)

    def _sheet(self, start: int) -> tuple[int, int]:
        """What calamine keeps for the sheet whose BOF is at `start`, and what the copy of
        it python-calamine hands over would take."""
        stream = self._stream
        reserved = cells = text = formula_text = 0
        rows, columns, formula_rows, formula_columns = _Span(), _Span(), _Span(), _Span()
        for kind, begin, end in self._records(start):
            if kind == _DIMENSION:
                reserved += _declared(stream[begin:end])
                continue
            if end - begin < 4 or (kind not in _CELLS and kind not in _OTHER_CELLS):
                continue
            row, column = _PLACE.unpack_from(stream, begin)
            last = column
            if kind == _MULRK and end - begin >= 6:
                last = _U16.unpack_from(stream, end - 2)[0]
            elif kind == _FORMULA:
                formula_rows.add(row)
                formula_columns.add(column)
                formula_text += STRING_BYTES + self._formula(stream[begin:end])
            elif kind == _STRING:  # the text of the formula before: no place of its own
                cells += 1
                text += STRING_BYTES + CHARACTER_BYTES * _U16.unpack_from(stream, begin)[0]
                continue
            rows.add(row)
            columns.add(column)
            columns.add(last)
            cells += max(last - column + 1, 1)
            text += self._text(kind, stream, begin, end)
        grid = GRID_BYTES * rows.size() * columns.size()
        kept = CELL_BYTES * max(reserved, cells) + grid + text
        kept += FORMULA_BYTES * formula_rows.size() * formula_columns.size() + formula_text
        return kept, grid + text

    def _text(self, kind: int, stream: bytes, begin: int, end: int) -> int:
        """The string a cell record copies into the sheet, if any."""
        if kind == _LABEL_SST and end - begin >= 10:
            index = int(_U32.unpack_from(stream, begin + 6)[0])
            if index < len(self._strings):
                return STRING_BYTES + CHARACTER_BYTES * self._strings[index]
            return 0
        if kind in (_LABEL, _RSTRING) and end - begin >= 8:
            return STRING_BYTES + CHARACTER_BYTES * int(_U16.unpack_from(stream, begin + 6)[0])
        return 0

    def _formula(self, record: bytes) -> int:
        """How long calamine's text of a FORMULA record can be, token by token."""
        if len(record) < 22:
            return 0
        length = _U16.unpack_from(record, 20)[0]
        if length > _LONGEST_FORMULA:
            raise ValueError(f"a formula has {length:,} token bytes, over {_LONGEST_FORMULA:,}")
        tokens = record[22 : 22 + length]
        text = spaces = at = 0
        while at < len(tokens):
            token, at = tokens[at], at + 1
            if 0x20 <= token < 0x80:  # the three classes of an operand token read alike
                token = 0x20 | token & 0x1F
            size, grows = _TOKENS.get(token, (None, 0))
            if token == 0x17 and at + 1 < len(tokens):  # a string: its characters follow
                size, grows = 2 + tokens[at] * (1 + (tokens[at + 1] & 1)), 2 + 3 * tokens[at]
            elif token == 0x19 and at < len(tokens):
                size, grows, spaces = _attribute(tokens, at, spaces)
            if size is None:  # calamine gives up here; the rest can only be as long
                return text + 255 * (len(tokens) - at + 1)
            text += grows + (self._longest_name if token in _NAMED else 0)
            at += size
        if spaces > _MOST_SPACES:
            raise ValueError(f"a formula inserts {spaces:,} spaces, over {_MOST_SPACES:,}")
        return text


class _Span:
    """The first and last of the places seen along one axis."""

    def __init__(self) -> None:
        self.first = self.last = -1

    def add(self, place: int) -> None:
        if self.first < 0 or place < self.first:
            self.first = place
        self.last = max(self.last, place)

    def size(self) -> int:
        return self.last - self.first + 1 if self.first >= 0 else 0


class _Pieces:
    """A record's data split over CONTINUE records, read as calamine reads strings."""

    def __init__(self, stream: bytes, pieces: list[tuple[int, int]]) -> None:
        self._stream = stream
        self._pieces = pieces
        self._index = 0
        self._at, self._end = pieces[0]

    def more(self) -> bool:
        while self._at >= self._end and self._index + 1 < len(self._pieces):
            self._index += 1
            self._at, self._end = self._pieces[self._index]
        return self._at < self._end

    def header(self) -> tuple[int, int]:
        if self._end - self._at < 3:
            raise ValueError("a shared string's header is cut short")
        characters, flags = struct.unpack_from("<HB", self._stream, self._at)
        self._at += 3
        return characters, flags

    def u16(self) -> int:
        value = _U16.unpack_from(self._stream, self._at)[0] if self._end - self._at >= 2 else 0
        self._at += 2
        return int(value)

    def u32(self) -> int:
        value = _U32.unpack_from(self._stream, self._at)[0] if self._end - self._at >= 4 else 0
        self._at += 4
        return int(value)

    def characters(self, count: int, wide: int) -> None:
        """Skip `count` characters, 1 or 2 bytes each, a new flags byte at each piece."""
        while count > 0:
            if self._at >= self._end:
                if not self._next():
                    return
                wide = self._stream[self._at] & 1
                self._at += 1
            width = 2 if wide else 1
            taken = min(count, (self._end - self._at) // width or 1)
            self._at += taken * width
            count -= taken

    def skip(self, length: int) -> None:
        while length > 0:
            if self._at >= self._end and not self._next():
                return
            taken = min(length, self._end - self._at)
            self._at += taken
            length -= taken

    def _next(self) -> bool:
        if self._index + 1 >= len(self._pieces):
            return False
        self._index += 1
        self._at, self._end = self._pieces[self._index]
        return True


def _declared(record: bytes) -> int:
    """The cells calamine reserves for a DIMENSION record: its rows x columns, computed
    as calamine does (32-bit, wrapping when the first passes the last, as in a forged
    record)."""
    if len(record) == 14:
        first_row, rows_end, first_column, columns_end = struct.unpack_from("<2L2H", record)
    elif len(record) == 10:
        first_row, rows_end, first_column, columns_end = struct.unpack_from("<4H", record)
    else:
        return 0
    if rows_end < 1 or columns_end < 1:
        return 1
    rows = (rows_end - 1 - first_row + 1) % (1 << 32)
    columns = (columns_end - 1 - first_column + 1) % (1 << 32)
    return int(rows * columns)


def _attribute(tokens: bytes, at: int, spaces: int) -> tuple[int | None, int, int]:
    """A PtgAttr token's size, text and spaces (0x40, 0x41: up to 255 spaces)."""
    kind = tokens[at]
    if kind in (0x40, 0x41) and at + 2 < len(tokens):
        return 3, tokens[at + 2], spaces + tokens[at + 2]
    if kind == 0x04 and at + 2 < len(tokens):  # choose: 2 + 2 bytes per choice
        return 3 + 2 * (_U16.unpack_from(tokens, at + 1)[0] + 1), 0, spaces
    if kind in (0x01, 0x02, 0x08, 0x10, 0x20, 0x21):
        return 3, 5, spaces
    return None, 0, spaces


#: Tokens whose text is a sheet's or a defined name's name (3-D references, names).
_NAMED = frozenset({0x3A, 0x3B, 0x3C, 0x3D, 0x23})
#: Formula tokens (their class bits folded): the bytes after the token, and the most text
#: calamine writes for it besides a name.
_TOKENS: dict[int, tuple[int | None, int]] = {
    0x01: (4, 0), 0x18: (5, 0), 0x1C: (1, 13), 0x1D: (1, 5), 0x1E: (2, 5), 0x1F: (8, 24),
    0x12: (0, 1), 0x13: (0, 1), 0x14: (0, 1), 0x15: (0, 2), 0x16: (0, 0),
    0x20: (7, 10), 0x21: (2, 300), 0x22: (3, 300), 0x23: (4, 0), 0x24: (4, 12), 0x25: (8, 26),
    0x3A: (6, 14), 0x3B: (10, 28), 0x3C: (6, 7), 0x3D: (10, 7),
    **dict.fromkeys(range(0x03, 0x12), (0, 2)),
}  # fmt: skip
