"""Cell writing for the xlsx forms: a row cursor over a worksheet and a few cell looks.

Every string is written as text (`data_type = "s"`), so client data starting
with `= + - @` stays inert: openpyxl would otherwise store it as a formula.
Rows get explicit heights estimated from their text, because neither Excel
nor LibreOffice reliably grows a row for wrapped text in a file it opens.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from typing import Literal

from attrs import frozen
from openpyxl.cell.cell import Cell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, Side  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.pagebreak import Break  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from custody_core.domain.form_building import printable

#: Metric-compatible with Liberation Sans, which LibreOffice substitutes.
FONT = "Arial"
MONEY = "#,##0.00"
#: A text line's height in points per point of font size, and the row's padding.
_LEADING = 1.2
_PADDING = 2.5
#: Characters of 1 pt Arial per unit of column width (a Calibri 11 digit); divide by the size.
_CHARS_PER_WIDTH_AT_1PT = 10.8
_NO_SIDE = Side()


@frozen
class Look:
    """How a cell is drawn: font, alignment, ruled sides ("l", "r", "t", "b") and number format."""

    size: int = 8
    bold: bool = False
    align: Literal["left", "center", "right"] = "left"
    sides: str = ""
    heavy: bool = False
    number_format: str = "General"
    vertical: Literal["top", "center", "bottom"] = "center"
    #: The font's colour as RGB hex; None is the default black.
    color: str | None = None


@frozen
class Span:
    """One cell of a row: its value and look, and how many columns and rows it covers."""

    value: str | int | Decimal | None
    look: Look | None = Look()
    cols: int = 1
    rows: int = 1


def gap(cols: int = 1) -> Span:
    """Columns left untouched, so a cell merged from the row above shows through."""
    return Span(None, None, cols)


def quantity_format(value: Decimal) -> str:
    """Whole quantities without a decimal point, fractional ones with their own decimals."""
    exponent = value.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * decimals if decimals else "")


class Sheet:
    """A worksheet written row by row from the top, with the columns of one form's grid."""

    def __init__(self, worksheet: Worksheet, widths: tuple[float, ...]) -> None:
        self.worksheet = worksheet
        self.widths = widths
        self.row = 1
        for column, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(column)].width = width

    def line(self, *spans: Span, height: float | None = None) -> None:
        """Write `spans` left to right on the next row."""
        row, column, lines = self.row, 1, 1.0
        for span in spans:
            if span.look is not None:
                self._write(row, column, span, span.look)
                lines = max(lines, self._text_lines(span, span.look, column))
            column += span.cols
        size = max((span.look.size for span in spans if span.look), default=8)
        self.worksheet.row_dimensions[row].height = height or lines * size * _LEADING + _PADDING
        self.row += 1

    def skip(self, height: float = 5) -> None:
        """An empty row of `height` points between blocks."""
        self.line(height=height)

    def page_break(self) -> None:
        """End the printed page after the last row written."""
        self.worksheet.row_breaks.append(Break(id=self.row - 1))

    @property
    def last_column(self) -> str:
        letter: str = get_column_letter(len(self.widths))
        return letter

    def _write(self, row: int, column: int, span: Span, look: Look) -> None:
        cell = self.worksheet.cell(row, column)
        assert isinstance(cell, Cell)
        text = printable(span.value) if isinstance(span.value, str) else None
        if text:
            cell.value = text
            cell.data_type = "s"
        elif isinstance(span.value, int | Decimal):
            cell.value = span.value
        cell.font = _font(look.size, look.bold, look.color)
        cell.alignment = _alignment(look.align, look.vertical)
        cell.border = _border(look.sides, look.heavy)
        cell.number_format = look.number_format
        if span.cols > 1 or span.rows > 1:
            self.worksheet.merge_cells(
                start_row=row,
                start_column=column,
                end_row=row + span.rows - 1,
                end_column=column + span.cols - 1,
            )

    def _text_lines(self, span: Span, look: Look, column: int) -> float:
        """Lines the span's text wraps to, shared among the rows it covers."""
        if not isinstance(span.value, str) or not span.value:
            return 1.0
        width = sum(self.widths[column - 1 : column - 1 + span.cols])
        per_line = max(
            1, int(width * _CHARS_PER_WIDTH_AT_1PT / look.size * (0.9 if look.bold else 1))
        )
        wrapped = sum(math.ceil(max(len(part), 1) / per_line) for part in span.value.split("\n"))
        return wrapped / span.rows


@cache
def _font(size: int, bold: bool, color: str | None) -> Font:
    return Font(name=FONT, size=size, bold=bold, color=color)


@cache
def _alignment(horizontal: str, vertical: str) -> Alignment:
    return Alignment(horizontal=horizontal, vertical=vertical, wrap_text=True)


@cache
def _border(sides: str, heavy: bool) -> Border:
    style = Side(style="medium" if heavy else "thin")
    return Border(
        left=style if "l" in sides else _NO_SIDE,
        right=style if "r" in sides else _NO_SIDE,
        top=style if "t" in sides else _NO_SIDE,
        bottom=style if "b" in sides else _NO_SIDE,
    )
