"""Printed forms as values: what every renderer draws, pages included.

Two shapes cover the four forms. A `GoodsForm` lists goods with their
valuation: MX-1 (goods accepted on custody) and MX-3 (goods returned, with a
second table of the storage services rendered). A `ServicesForm` lists
priced services: the service act and the invoice. Pagination is part of the
value, so xlsx, html and pdf agree on which line is on which page and on the
per-page totals.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from attrs import frozen

from custody_core.domain.requisites import Requisites
from custody_core.domain.reversals import ReversalNote
from custody_core.domain.vat import NO_VAT, Totals, Vat


class FormKind(enum.StrEnum):
    MX1 = "mx1"
    MX3 = "mx3"
    ACT = "act"
    INVOICE = "invoice"


#: Each form's title as printed.
TITLES = {
    FormKind.MX1: "Акт о приеме-передаче товарно-материальных ценностей на хранение",
    FormKind.MX3: "Акт о возврате товарно-материальных ценностей, сданных на хранение",
    FormKind.ACT: "Акт об оказании услуг",
    FormKind.INVOICE: "Счет на оплату",
}
#: What a form of a reversed document prints, visibly, on every page and in every format.
ANNULLED = "АННУЛИРОВАН / ANNULLED"
#: The number a form prints when it has none ("без номера"): see `Header.printed_number`.
UNNUMBERED = "б/н"
#: The unified forms' codes by the all-Russian classifier of documents.
OKUD = {FormKind.MX1: "0335001", FormKind.MX3: "0335003"}


class Wording(Protocol):
    """Numbers in Russian words, as forms print totals ("Одна тысяча рублей 00 копеек")."""

    def money(self, amount: Decimal) -> str: ...
    def quantity(self, value: Decimal) -> str: ...


@frozen
class GoodsLine:
    """A line of goods with its valuation (the unified forms' table)."""

    position: int
    name: str
    code: str
    unit: str
    okei: str
    quantity: Decimal
    price: Decimal
    amount: Decimal
    characteristics: str = ""
    note: str = ""


@frozen
class ServiceLine:
    """A priced service: a line of the act, the invoice or MX-3's second table."""

    position: int
    service: str
    code: str
    unit: str
    okei: str
    quantity: Decimal
    price: Decimal
    amount: Decimal


L = TypeVar("L", GoodsLine, ServiceLine)


@frozen
class Page(Generic[L]):
    """One printed page of a form's table and its totals ("Итого" of the unified forms)."""

    number: int
    lines: tuple[L, ...]
    quantity: Decimal
    amount: Decimal


@frozen
class Layout:
    """How a form is laid out on paper: lines on its first and on each next page."""

    first_page: int
    next_pages: int
    landscape: bool
    #: Whether each page ends with its own "Итого" (the unified forms do).
    page_totals: bool
    #: Lines of a second table (MX-3's services) that fit under a full last page.
    spare_lines: int = 0


LAYOUTS = {
    FormKind.MX1: Layout(first_page=8, next_pages=24, landscape=True, page_totals=True),
    FormKind.MX3: Layout(
        first_page=8, next_pages=24, landscape=True, page_totals=True, spare_lines=6
    ),
    FormKind.ACT: Layout(first_page=20, next_pages=40, landscape=False, page_totals=False),
    FormKind.INVOICE: Layout(first_page=18, next_pages=40, landscape=False, page_totals=False),
}


def paginate(lines: Sequence[L], layout: Layout, tail: int = 0) -> tuple[Page[L], ...]:
    """`lines` cut into pages of the layout's sizes, the last one leaving room for `tail`
    lines of a second table beyond the layout's spare ones.

    Only the first page may be empty: a table with no lines, or a first page whose
    lines would leave no room for the tail, is one page of the header alone.
    """
    extra = min(max(0, tail - layout.spare_lines), layout.next_pages - 1)
    pages: list[Page[L]] = []
    start, size = 0, layout.first_page
    while True:
        rest = len(lines) - start
        last = rest == 0 or rest + extra <= size
        chunk = tuple(lines[start : start + (rest if last else min(size, rest - 1))])
        quantity = sum((line.quantity for line in chunk), Decimal(0))
        amount = sum((line.amount for line in chunk), Decimal("0.00"))
        pages.append(Page(len(pages) + 1, chunk, quantity, amount))
        if last:
            return tuple(pages)
        start, size = start + len(chunk), layout.next_pages


@frozen
class Signature:
    """A signature place: the side's role ("Сдал"), and who signs, if known."""

    role: str
    position: str = ""
    name: str = ""


@frozen
class Annulment:
    """Why a form is void: the reversals of the documents it was printed for."""

    reversals: tuple[ReversalNote, ...]

    @property
    def stamp(self) -> str:
        return ANNULLED

    @property
    def note(self) -> str:
        """The reversals as the form prints them under its stamp."""
        return "; ".join(
            f"сторно № {r.number} от {r.date:%d.%m.%Y}: {r.reason}" for r in self.reversals
        )


@frozen
class Header:
    """What every form states: its kind, number and date, the two sides and the basis."""

    kind: FormKind
    number: int
    date: date
    executor: Requisites
    customer: Requisites
    #: The contract the operation is made under ("Договор № 7 от 01.02.2026"), if any.
    basis: str
    #: The document the form is printed for ("Приходная накладная № П-12 от 01.11.2026").
    source: str
    #: Set when the document (or one of the shipments) was reversed: the form is void.
    annulment: Annulment | None = None

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def layout(self) -> Layout:
        return LAYOUTS[self.kind]

    @property
    def printed_number(self) -> str:
        """The number as printed: an annulled form never issued has none ("б/н")."""
        return str(self.number) if self.number else UNNUMBERED


@frozen
class GoodsForm:
    """MX-1 or MX-3: goods with their valuation; MX-3 adds the storage services."""

    header: Header
    warehouse: str
    storage_term: str
    pages: tuple[Page[GoodsLine], ...]
    quantity: Decimal
    amount: Decimal
    quantity_in_words: str
    amount_in_words: str
    signatures: tuple[Signature, Signature]
    services: tuple[ServiceLine, ...] = ()
    services_totals: Totals | None = None
    vat: Vat = NO_VAT
    services_in_words: str = ""

    @property
    def lines(self) -> tuple[GoodsLine, ...]:
        return tuple(line for page in self.pages for line in page.lines)


@frozen
class ServicesForm:
    """The service act or the invoice: priced services, VAT and the sum due."""

    header: Header
    pages: tuple[Page[ServiceLine], ...]
    totals: Totals
    vat: Vat
    amount_in_words: str
    signatures: tuple[Signature, Signature]

    @property
    def lines(self) -> tuple[ServiceLine, ...]:
        return tuple(line for page in self.pages for line in page.lines)


Form = GoodsForm | ServicesForm


@frozen
class Rendered:
    """A rendered form: the file's bytes, its media type and a file name to save it as."""

    content: bytes
    media_type: str
    file_name: str


@frozen
class IssuedForm:
    """A form's number: given when the form is first printed, kept for every reprint.

    Numbers run per account, form kind and year of the form's date; `source`
    keys what the form was printed for (the documents' ids), so printing it
    again finds the same number.
    """

    account_id: UUID
    kind: FormKind
    source: str
    year: int
    number: int
    issued_at: datetime
    issued_by: str
