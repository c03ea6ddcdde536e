"""What python-calamine will hold for an .ods file, counted from its content.xml beforehand.

calamine (0.37, in python-calamine 0.9) reads every table of content.xml when
the workbook opens. A `<table:table-cell>` stands for `table:number-columns-
repeated` cells and a `<table:table-row>` for `table:number-rows-repeated`
rows, and calamine materialises them: a 0.7 KiB file repeating one row 3,000
times with 16,000 repeated cells asked for 5.9 GB, and a row of 1.6 billion
cells aborts the process. Its own limit (100 million cells, checked only for
the final grid) is 12 GB. What it builds, per table:

- the cells of each `<table:table-row>` as written, each cell once per column
  it repeats, up to the row's last non-empty cell: empty cells are counted
  and materialised only when a non-empty one follows, so LibreOffice's
  trailing `<table:table-cell table:number-columns-repeated="16370"/>` costs
  nothing;
- then the grid: from the first non-empty row to the last, every row as often
  as it repeats, empty rows between them included, each as wide as the widest
  row; a copy of it is what python-calamine hands over.

Measured: about 60 bytes per materialised cell and 64 per grid cell (123 bytes
a cell when both are the same cells, as in the 3,000 x 16,000 file), and two
copies of every string (its length and 32 bytes of allocation each).

calamine matches names literally (`table:table-cell`, never another prefix),
so this scan does too; and it counts only what it can see unambiguously: it
refuses content.xml where a `<` stands inside an attribute value, a comment or
a CDATA section (quick-xml reads `a="</table:table-row>"` as a value; a plain
search would not), and tables or rows nested in a row. LibreOffice escapes
everything, so real files pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import IO

#: Bytes per cell calamine materialises while reading a row, and per cell of the grid.
CELL_BYTES = 60
GRID_BYTES = 66
#: What one copy of a string costs besides its characters (allocation and header).
STRING_BYTES = 32
_CHUNK = 1 << 20
#: A row longer than this (its XML) is refused: a full row of 16,384 cells is 2 MB.
_LONGEST_ROW = 32 << 20
#: Past any repeat calamine could materialise: what a count it could not read stands for.
_HUGE = 1 << 40
_ROW_END = b"</table:table-row"
_ATTRIBUTES = rb"""((?:[^<>"']++|"[^"<]*+"|'[^'<]*+')*+)"""
_TOKEN = re.compile(
    rb"<table:table-row(?=[\s/>])" + _ATTRIBUTES + rb">|<(/?)table:table(?=[\s/>])[^>]*+>"
)
_CELL = re.compile(rb"<table:(?:covered-)?table-cell(?=[\s/>])" + _ATTRIBUTES + rb">")
_COLUMNS = re.compile(rb"""number-columns-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROWS = re.compile(rb"""number-rows-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SPACES = re.compile(rb"""text:c\s*=\s*(?:"([^"]*)"|'([^']*)')""")
#: String attributes calamine copies (`office:string-value`, `date-value`, `time-value`,
#: and the formula); one pattern each, as a pattern starting with a choice is slow.
_VALUES = tuple(
    re.compile(name + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
    for name in (rb"-value", rb"table:formula")
)
_TEXT = re.compile(rb">([^<]+)<")
_COUNT = re.compile(rb"\+?[0-9]{1,13}")
#: Only the markup characters of XML: what `_PLAIN` checks.
_NOT_MARKUP = bytes(set(range(256)) - set(b"<>\"'"))
_PLAIN = re.compile(rb"""(?:[^<]++|<(?:"[^"<]*+"|'[^'<]*+')*+>)*+""")
#: Attributes that make calamine copy a string into a cell (LibreOffice repeats the value
#: type as `calcext:value-type`, which is not counted twice).
_STRINGS = (b'office:value-type="string"', b"office:value-type='string'", b"table:formula")
_STRINGS_MORE = (b"office:string-value", b"office:date-value", b"office:time-value")


def ods_load(content: IO[bytes]) -> int:
    """The bytes calamine will hold for the tables of `content` (content.xml)."""
    tables = _Tables()
    text = 0
    for chunk in _chunks(content):
        if b"\0" in chunk or _PLAIN.fullmatch(chunk.translate(None, _NOT_MARKUP)) is None:
            raise ValueError("its content.xml has markup inside a value, comment or CDATA")
        tables.scan(chunk)
        text += sum(map(len, _TEXT.findall(chunk)))
        text += sum(_count(value) for value in _values(_SPACES, chunk))
        text += sum(len(value) for pattern in _VALUES for value in _values(pattern, chunk))
        text += STRING_BYTES * sum(map(chunk.count, _STRINGS + _STRINGS_MORE))
    tables.close()
    return tables.cost + 2 * text


class _Tables:
    """The cells calamine materialises, table by table, with the copies of the strings
    it repeats (those in unrepeated cells are in the text `ods_load` counts).

    calamine ends a table at the first `</table:table>` and reads rows only inside a
    table; tables are counted from the outermost start to its end, with rows outside
    any table counted into the next, which can only overestimate.
    """

    def __init__(self) -> None:
        self.cost = 0
        self._depth = 0
        self._start()

    def _start(self) -> None:
        self._cells = self._rows = self._pending = self._widest = 0
        self._seen = False

    def close(self) -> None:
        self.cost += CELL_BYTES * self._cells + GRID_BYTES * self._rows * self._widest
        self._start()

    def scan(self, chunk: bytes) -> None:
        at = 0
        while match := _TOKEN.search(chunk, at):
            at = match.end()
            closed = match.group(0).endswith(b"/>")
            if match.group(1) is None:  # a table starts or ends
                if not closed:
                    self._table(ends=match.group(2) == b"/")
                continue
            attributes = match.group(1)
            repeats = 1
            if b"repeated" in attributes:
                repeats = max(map(_count, _values(_ROWS, attributes)), default=1)
            if closed:  # <table:table-row/>
                self._row(0, repeats, 0)
                continue
            end = chunk.find(_ROW_END, at)
            end = len(chunk) if end < 0 else end
            self._row(*_row_width(chunk, at, end, repeats))
            at = end

    def _table(self, ends: bool) -> None:
        if not ends:
            self._depth += 1
        elif self._depth > 0:
            self._depth -= 1
            if not self._depth:
                self.close()

    def _row(self, width: int, repeats: int, text: int) -> None:
        self._cells += width
        self.cost += text
        if not width:
            self._pending += repeats if self._seen else 0
            return
        self._rows += self._pending + repeats
        self._pending = 0
        self._seen = True
        self._widest = max(self._widest, width)


def _row_width(chunk: bytes, start: int, end: int, repeats: int) -> tuple[int, int, int]:
    """The cells calamine materialises for the row whose cells are `chunk[start:end]` (up
    to its last non-empty one), the row's repeats, and the bytes of the string copies
    the repeats make. Most rows are counted without being cut out of the chunk."""
    cells = chunk.count(b"<table:table-cell", start, end)
    if chunk.count(b"<table:table", start, end) != cells:
        raise ValueError("its content.xml nests a table or a row in a row")
    repeated = chunk.count(b"repeated", start, end)
    last = chunk.rfind(b"<table:table-cell", start, end)
    trailing = repeated == 1 and last >= 0 and _empty_repeated(chunk[last:end])
    if repeats == 1 and (not repeated or trailing):
        if chunk.find(b"office:", start, end) < 0 and chunk.find(b"formula", start, end) < 0:
            return 0, repeats, 0
        cells += chunk.count(b"<table:covered-table-cell", start, end)
        return cells - trailing, repeats, 0
    body = chunk[start:end]
    width = empty = text = 0
    found = list(_CELL.finditer(body))
    for index, cell in enumerate(found):
        attributes = cell.group(1)
        columns = max(map(_count, _values(_COLUMNS, attributes)), default=1)
        if b"office:" not in attributes and b"table:formula" not in attributes:
            empty += columns
            continue
        width += empty + columns
        empty = 0
        if columns > 1 or repeats > 1:  # three copies of its text per cell it stands for
            stop = found[index + 1].start() if index + 1 < len(found) else len(body)
            spaces = sum(_count(value) for value in _values(_SPACES, body[cell.start() : stop]))
            size = stop - cell.start() + spaces + STRING_BYTES
            text += 3 * size * columns * repeats
    return width, repeats, text


def _empty_repeated(tail: bytes) -> bool:
    """Whether a row's last cell (all that follows it is `tail`) is an empty one standing
    for several: LibreOffice ends every row with one
    (`<table:table-cell table:number-columns-repeated="16373"/>`), and calamine never
    materialises empty cells no value follows."""
    return (
        b"repeated" in tail
        and tail.count(b"<") == 1
        and tail.endswith(b"/>")
        and b"office:" not in tail
        and b"table:formula" not in tail
    )


def _values(pattern: re.Pattern[bytes], data: bytes) -> Iterator[bytes]:
    """The attribute values `pattern` finds, in either quotes."""
    return (double or single for double, single in pattern.findall(data))


def _count(value: bytes) -> int:
    """A repeat count as calamine parses it (Rust's `parse`: an optional `+`, digits);
    anything else, escapes included, is taken as more than any file could hold."""
    return int(value) if _COUNT.fullmatch(value) else _HUGE


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """content.xml in pieces that end before a tag, never inside a row."""
    carry = b""
    for piece in iter(partial(stream.read, _CHUNK), b""):
        data = carry + piece
        cut = data.rfind(_ROW_END)
        cut = data.find(b">", cut) + 1 if cut >= 0 else 0
        if b"<table:table-row" not in data[cut:]:
            cut = max(cut, data.rfind(b"<"))
        if len(data) - cut > _LONGEST_ROW:
            raise ValueError(f"its content.xml has a row of over {_LONGEST_ROW:,} bytes")
        yield data[:cut]
        carry = data[cut:]
    yield carry
