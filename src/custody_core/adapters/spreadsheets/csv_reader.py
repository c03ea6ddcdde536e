"""CSV files, streamed with the standard library: UTF-8 (with or without BOM), else cp1251.

The encoding is decided by decoding the whole file as strict UTF-8, block by
block: Cyrillic saved in cp1251 is almost never valid UTF-8. The separator is
whichever of `;` and `,` the first non-empty line holds more of outside quotes
(`,` on a tie). Cells are text under the common rule (trimmed, empty is None):
turning text into numbers or dates is the template's business.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TextIO

from custody_core.adapters.spreadsheets.archive import (
    check_size,
    check_suffix,
    malformed,
    pick_sheet,
)
from custody_core.adapters.spreadsheets.cells import Rows, row_cells, row_range, rows_hint
from custody_core.domain import codes
from custody_core.domain.errors import SpreadsheetError, unreadable
from custody_core.ports.spreadsheets import ReadLimits, Row, SheetRequest, SheetRows

_BLOCK = 1 << 20
#: A longer physical line is refused: the csv module would build all of its fields.
_MAX_LINE = 1 << 20
_QUOTED = re.compile(r'"[^"]*"')


class CsvReader:
    suffixes = frozenset({".csv"})
    streaming = True

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> SheetRows:
        """The file's only sheet: position 1, or any name (a template made for workbooks
        names its sheet; a CSV has none to match)."""
        check_suffix(path, self.suffixes)
        pick_sheet(path, [path.stem], request.sheet if isinstance(request.sheet, int) else 1)
        check_size(path, limits)
        with _reading(path):
            encoding, lines = _survey(path)
            with path.open(encoding=encoding, newline="") as stream:
                delimiter = _delimiter(_lines(path, stream))
        rows = row_range(request, limit=None)
        hint = rows_hint(lines, rows)
        return Rows(_rows(path, encoding, delimiter, rows, request.width), hint)


def _survey(path: Path) -> tuple[str, int]:
    """The file's encoding and how many physical lines it has, in one pass over its bytes.

    The encoding is "utf-8-sig" (which also reads UTF-8 without a BOM) when the file is
    valid UTF-8. A NUL byte is never in CSV text: the file is a workbook or UTF-16 under a
    .csv name. The lines bound its records from above (a quoted field may hold a line
    break) and are the progress bar's row count: a CSV file says nothing of its size.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    feeds = returns = 0
    last = b""
    with path.open("rb") as stream:
        for block in iter(partial(stream.read, _BLOCK), b""):
            if b"\0" in block:
                raise SpreadsheetError(
                    codes.File.NOT_A_WORKBOOK, file=path.name, expected="CSV", cause="file.binary"
                )
            utf8 = utf8 and _decodes(decoder, block)
            feeds, returns, last = feeds + block.count(b"\n"), returns + block.count(b"\r"), block
    encoding = "utf-8-sig" if utf8 and _decodes(decoder, b"", final=True) else "cp1251"
    unterminated = 1 if last and last[-1:] not in b"\r\n" else 0
    return encoding, max(feeds, returns) + unterminated


def _decodes(decoder: codecs.IncrementalDecoder, data: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(data, final)
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(lines: Iterator[str]) -> str:
    record = ""
    for line in lines:
        record += line
        if (record.strip() and record.count('"') % 2 == 0) or len(record) > _MAX_LINE:
            break
    bare = _QUOTED.sub("", record)
    return ";" if bare.count(";") > bare.count(",") else ","


def _lines(path: Path, stream: TextIO) -> Iterator[str]:
    while line := stream.readline(_MAX_LINE + 1):
        if len(line) > _MAX_LINE:
            raise SpreadsheetError(
                codes.File.MALFORMED, file=path.name, cause="file.line_too_long", limit=_MAX_LINE
            )
        yield line


def _rows(
    path: Path, encoding: str, delimiter: str, rows: range, width: int
) -> Generator[Row, None, None]:
    if not rows or width < 1:
        return
    with _reading(path), path.open(encoding=encoding, newline="") as stream:
        records = csv.reader(_lines(path, stream), delimiter=delimiter)
        for number, fields in enumerate(islice(records, rows.start - 1, rows.stop - 1), rows.start):
            row = row_cells((*fields[:width], *(None,) * (width - len(fields))))
            if row is not None:
                yield number, row


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise unreadable(path.name, error) from error
    except (csv.Error, ValueError) as error:
        raise malformed(path, error) from error
