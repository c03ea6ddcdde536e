"""Parts every xlsx form shares: looks, wording of dates and sums, pages, signatures, setup."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from openpyxl.worksheet.page import PageMargins  # type: ignore[import-untyped]
from openpyxl.worksheet.properties import PageSetupProperties  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from custody_core.adapters.printing.xlsx_sheet import MONEY, Look, Sheet, Span, gap, quantity_format
from custody_core.domain.forms import Annulment, GoodsLine, Header, Page, ServiceLine, Signature
from custody_core.domain.requisites import Requisites
from custody_core.domain.vat import Totals, Vat, VatMode

L = TypeVar("L", GoodsLine, ServiceLine)

TEXT = Look()
BOLD = Look(bold=True)
SMALL_RIGHT = Look(size=7, align="right")
RIGHT = Look(align="right")
TOTAL_LABEL = Look(bold=True, align="right")
CAPTION = Look(size=6, align="center", vertical="top")
FIELD = Look(bold=True, sides="b")
HEAD = Look(size=7, align="center", sides="lrtb")
CELL = Look(sides="lrtb")
CENTER_CELL = Look(align="center", sides="lrtb")
MONEY_CELL = Look(align="right", sides="lrtb", number_format=MONEY)
MONEY_TOTAL = Look(bold=True, align="right", sides="lrtb", number_format=MONEY)
UNDERLINED = Look(align="center", sides="b")
RULE = Look(sides="b", heavy=True)

#: An annulled form's stamp and note: red, as a void document is marked by hand.
ANNULLED_RED = "CC0000"
_STAMP = Look(size=16, bold=True, align="center", sides="lrtb", heavy=True, color=ANNULLED_RED)
_STAMP_NOTE = Look(align="center", color=ANNULLED_RED)

_SIGNATURE_CAPTIONS = ("должность", "подпись", "расшифровка подписи")


def party(requisites: Requisites) -> str:
    """A party's box: name, INN/KPP, address, phone, and fax when known."""
    fax = f", факс {requisites.fax}" if requisites.fax else ""
    return requisites.summary() + fax


def basis(header: Header) -> str:
    """What the form is made under: the contract and the document it is printed for."""
    return "; ".join(part for part in (header.basis, header.source) if part)


def quantity_cell(value: Decimal, *, bold: bool = False) -> Span:
    return Span(
        value, Look(bold=bold, align="right", sides="lrtb", number_format=quantity_format(value))
    )


def write_pages(
    sheet: Sheet,
    pages: Sequence[Page[L]],
    head: Callable[[Sheet], None],
    line: Callable[[Sheet, L], None],
    total: Callable[[Sheet, Page[L]], None] | None,
) -> None:
    """The table page by page: every page opens with the table's head; a break ends each
    page but the last, so the printed pages are the form's pages."""
    for page in pages:
        if page.number > 1:
            sheet.page_break()
        head(sheet)
        for item in page.lines:
            line(sheet, item)
        if total is not None:
            total(sheet, page)


def write_totals(
    sheet: Sheet, vat: Vat, totals: Totals, due_label: str, *, label_cols: int, value_cols: int
) -> None:
    """The lines of "Итого", of VAT and of the sum due, right-aligned under the amounts."""
    vat_figure: str | Decimal = "-" if vat.mode is VatMode.WITHOUT else totals.vat
    for label, value in (
        ("Итого", totals.amount),
        (vat.label(), vat_figure),
        (due_label, totals.due),
    ):
        sheet.line(Span(label, TOTAL_LABEL, label_cols), Span(value, MONEY_TOTAL, value_cols))


def write_signatures(
    sheet: Sheet, signatures: Sequence[Signature], spans: tuple[int, int, int, int]
) -> None:
    """Each side's role, position, a line to sign on and the name, captioned as on the forms."""
    role, *places = spans
    for signature in signatures:
        sheet.skip(8)
        sheet.line(
            Span(signature.role, BOLD, role),
            Span(signature.position, UNDERLINED, places[0]),
            Span("", UNDERLINED, places[1]),
            Span(signature.name, UNDERLINED, places[2]),
        )
        sheet.line(
            gap(role),
            *(
                Span(caption, CAPTION, cols)
                for caption, cols in zip(_SIGNATURE_CAPTIONS, places, strict=True)
            ),
        )
    sheet.skip()
    sheet.line(Span("М.П.", TEXT, role))


def write_annulment(sheet: Sheet, annulment: Annulment) -> None:
    """The stamp of a void form above everything else, and the reversals that voided it."""
    columns = len(sheet.widths)
    sheet.line(Span(annulment.stamp, _STAMP, columns), height=26)
    sheet.line(Span(annulment.note, _STAMP_NOTE, columns))
    sheet.skip()


def set_up_pages(sheet: Sheet, *, landscape: bool, stamp: str | None = None) -> None:
    """A4 in the form's orientation, scaled to the page width, printed up to the last row;
    a `stamp` (a void form's) is printed at the top of every page."""
    worksheet: Worksheet = sheet.worksheet
    worksheet.page_setup.orientation = "landscape" if landscape else "portrait"
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    worksheet.page_margins = PageMargins(
        left=0.4,
        right=0.4,
        top=0.6 if stamp else 0.3,
        bottom=0.3,
        header=0.2 if stamp else 0,
        footer=0,
    )
    if stamp:
        top = worksheet.oddHeader.center
        top.text, top.size, top.font, top.color = stamp, 14, "Arial,Bold", ANNULLED_RED
    worksheet.print_options.horizontalCentered = True
    worksheet.print_area = f"A1:{sheet.last_column}{sheet.row - 1}"
