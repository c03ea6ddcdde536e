"""What python-calamine will hold for an .xlsx/.xlsm workbook, counted from its XML beforehand.

calamine (0.37, in python-calamine 0.9) loads the shared strings when the
workbook opens, then a sheet whole: a list of its cells (about 50 bytes each),
then a dense grid of 32-byte cells spanning them, into which every string is
copied, a shared one once per cell that names it. Two cells at A1 and
XFD1048576 in a 1 KB file ask for 512 GiB and abort the process; 1,000 cells
naming one shared string of a million characters take 1 GB.

The grid spans the cells holding a value only: calamine drops a cell without
one (a styled `<c r="XFD1048576" s="1"/>`, as Excel writes for a formatted
column or row) before sizing it (measured: values in A1:A2 with styled empty
cells reaching XFD1048576 take no more memory than the two values alone). So
neither a `<c .../>` (no children, so no value) nor a `<row>` tag bounds the
grid, unless some cell of the sheet is placed by counting: such a cell takes
its place from the tag before it.

Nothing here parses XML: regular expressions over the parts, in chunks, only
ever overestimating. Whatever reads like a reference (`r="XFD9"`, even ending
another attribute's name, or in text) counts, as text cannot hide a reference,
only add one. A `<row>` or `<c>` without a leading `r` takes the place after
the one before it; the scan does not know which row a cell is in, so each may
push the grid one further, down and across (a sheet written without references
is overestimated). A shared-string cell whose index the scan cannot read is
taken to name the longest string.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from functools import partial
from operator import sub
from typing import IO

from custody_core.adapters.spreadsheets.memory import MemoryBudget
from custody_core.adapters.spreadsheets.package import part_name

#: A cell of calamine's list of a sheet's cells, and of its grid.
CELL_BYTES = 50
GRID_BYTES = 32
#: A string calamine allocates, besides its characters.
STRING_BYTES = 32
#: A shared string in calamine's table: its header and allocation, besides its characters.
SHARED_BYTES = 56
#: The part calamine reads the shared strings from, in the workbook part's folder (it
#: ignores the workbook's relationships, and compares names without case, `\` as `/`).
SHARED_PART = "sharedstrings.xml"
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
#: `t="s"` (a cell naming a shared string), with the index it names when it reads plainly.
_SHARED_CELL = re.compile(rb"""t\s*=\s*["']s["'](?:[^<>]*>\s*<(?:[\w.-]+:)?v>([0-9]{1,10})<)?""")
#: Cells whose text calamine copies from the sheet itself.
_OWN_STRINGS = (b"inlineStr", b'"str"', b"'str'")
_TEXT = re.compile(rb">([^<]+)<")
_STRING_MARKUP = len(b"<si><t></t></si>")
_STRING_START = tuple(re.compile(tag + rb"si[\s/>]") for tag in (rb"<", rb"<[A-Za-z_][\w.-]*:"))
#: A tag that holds no value: a `<c>` with no children, a `<row>`'s own tag. Its attributes
#: are matched strictly (values quoted, no `<` or `>` in them), so that whatever matches is
#: such a tag to an XML parser too, or no tag at all (text in a comment or a value).
_ATTRIBUTES = rb"""(?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*"""
_VALUELESS = re.compile(
    rb"(<(?:[A-Za-z_][\w.-]*:)?(?:c" + _ATTRIBUTES + rb"/>|row" + _ATTRIBUTES + rb"/?>))"
)


def xlsx_load(archive: zipfile.ZipFile, budget: MemoryBudget, workbook: str) -> None:
    """Spend what calamine holds to read `archive`'s largest sheet: the shared strings
    (beside the `workbook` part), then the sheet's cells, grid and strings. Every part
    holding a `sheetData` is judged, as a hostile workbook may keep a sheet under any name."""
    shared_part = posixpath.join(posixpath.dirname(workbook), SHARED_PART).lower()
    # No two members name one part (`archive.check_workbook`), so one at most is found.
    shared = [member for member in archive.infolist() if part_name(member).lower() == shared_part]
    strings = _SharedStrings(budget)
    for member in shared:
        with archive.open(member) as stream:
            strings.scan(stream)
    largest = 0
    for member in archive.infolist():
        sheet = _Sheet(strings)
        with archive.open(member) as stream:
            sheet.scan(stream)
        largest = max(largest, sheet.cost())
    budget.spend(largest)


class _SharedStrings:
    """The shared strings' cost, spent as they are counted, and each one's span: its bytes
    to the next string's start, at least its text and the 16 bytes of `<si><t></t></si>`
    around it (calamine reads text only in `<t>`)."""

    def __init__(self, budget: MemoryBudget) -> None:
        self._budget = budget
        self.spans = array("I")
        self.longest = 0

    def scan(self, stream: IO[bytes]) -> None:
        previous = None  # where the string under way starts, from the start of the part
        at = 0  # where the chunk starts
        for chunk in _chunks(stream):
            patterns = _STRING_START if b":" in chunk else _STRING_START[:1]
            starts = sorted(at + m.start() for pattern in patterns for m in pattern.finditer(chunk))
            if starts:
                if previous is not None:
                    self.spans.append(starts[0] - previous)
                self.spans.extend(map(sub, starts[1:], starts[:-1]))
                previous = starts[-1]
            self._budget.spend(len(chunk) + SHARED_BYTES * len(starts))
            at += len(chunk)
        if previous is not None:
            self.spans.append(at - previous)
        self.longest = max(self.spans, default=0)


class _Reach:
    """The bottom row and right column the references in some XML reach."""

    def __init__(self) -> None:
        self.bottom = self.right = self.count = 0

    def add(self, data: bytes) -> None:
        numbers = _REFERENCE_ROW.findall(data)
        self.count += len(numbers)
        if max(map(len, numbers), default=0) > _DIGITS:
            self.bottom = _HUGE
        else:
            self.bottom = max(self.bottom, max(map(int, numbers), default=0))
        letters = set(_REFERENCE_COLUMN.findall(data))
        self.right = max(self.right, max(map(_column_number, letters), default=0))


class _Sheet:
    """How far the cells of one XML part reach (those holding values, and all of them),
    how many there are, and the strings calamine will copy into them."""

    def __init__(self, strings: _SharedStrings) -> None:
        self._strings = strings
        self.sheet = False
        self.valued = _Reach()  # references outside the tags that hold no value
        self.valueless = _Reach()
        self.unplaced = self.text = 0

    def cost(self) -> int:
        if not self.sheet:
            return 0
        reaches = (self.valued, self.valueless) if self.unplaced else (self.valued,)
        bottom = max(reach.bottom for reach in reaches) + self.unplaced
        right = max(reach.right for reach in reaches) + self.unplaced
        placed = self.valued.count + self.valueless.count
        return CELL_BYTES * (placed + self.unplaced) + GRID_BYTES * bottom * right + self.text

    def scan(self, stream: IO[bytes]) -> None:
        for chunk in _chunks(stream):
            self._add(chunk)

    def _add(self, data: bytes) -> None:
        """Count a chunk's cells, from the chunk where `sheetData` starts (calamine reads
        cells only there; a part without one is no sheet and costs nothing)."""
        self.sheet = self.sheet or b"sheetData" in data
        if not self.sheet:
            return
        pieces = _VALUELESS.split(data)
        self.valued.add(b" ".join(pieces[::2]))
        self.valueless.add(b" ".join(pieces[1::2]))
        plain, prefixed = _UNPLACED
        self.unplaced += len(plain.findall(data))
        if b":" in data:  # no tag has a namespace prefix otherwise
            self.unplaced += len(prefixed.findall(data))
        self.text += self._copies(data)

    def _copies(self, data: bytes) -> int:
        """The strings calamine copies into this chunk's cells: the sheet's own text (every
        text node counts), each shared string once per cell naming it."""
        spans = self._strings.spans
        named = _SHARED_CELL.findall(data)
        indexes = [int(index) for index in named if index]
        shared = sum(spans[index] - _STRING_MARKUP for index in indexes if index < len(spans))
        shared += (len(named) - len(indexes)) * self._strings.longest
        owned = sum(map(data.count, _OWN_STRINGS))
        own = sum(map(len, _TEXT.findall(data))) if owned else 0
        return shared + own + STRING_BYTES * (len(named) + owned)


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """A part in chunks that end before a tag left open, so no tag is cut in two."""
    carry = b""
    for piece in iter(partial(stream.read, _CHUNK), b""):
        data = carry + piece
        cut = data.rfind(b"<")
        if cut <= data.rfind(b">"):
            cut = len(data)
        yield data[:cut]
        carry = data[cut:]
    yield carry


def _column_number(letters: bytes) -> int:
    if len(letters) > 3:
        return _HUGE
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number
