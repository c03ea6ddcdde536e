"""MX-1 and MX-3 in the layout of the unified forms (Goskomstat resolution No. 66 of 09.08.1999).

Ten columns, as the blank's goods table: the header's codes box sits over the
last two, the parties' lines over the first five.
"""

from __future__ import annotations

from decimal import Decimal

from custody_core.adapters.printing.formatting import short_date
from custody_core.adapters.printing.xlsx_parts import (
    BOLD,
    CAPTION,
    CELL,
    CENTER_CELL,
    FIELD,
    HEAD,
    MONEY_CELL,
    MONEY_TOTAL,
    RIGHT,
    SMALL_RIGHT,
    TEXT,
    TOTAL_LABEL,
    basis,
    party,
    quantity_cell,
    write_pages,
    write_signatures,
    write_totals,
)
from custody_core.adapters.printing.xlsx_sheet import Look, Sheet, Span, gap
from custody_core.domain.forms import (
    OKUD,
    FormKind,
    GoodsForm,
    GoodsLine,
    Header,
    Page,
    ServiceLine,
)
from custody_core.domain.requisites import Requisites
from custody_core.domain.vat import Totals

#: №, name, code, characteristics, unit, OKEI, quantity, price, amount, note.
WIDTHS = (5.0, 38.0, 11.0, 14.0, 9.0, 7.0, 11.0, 12.0, 14.0, 13.0)
NAMES = {FormKind.MX1: "МХ-1", FormKind.MX3: "МХ-3"}
_CODE = Look(bold=True, align="center", sides="lrtb")
_CODE_BOX = Look(sides="lr")
_TITLE = Look(size=10, bold=True, align="center")
_CUSTODIAN = "хранитель (организация, адрес, телефон, факс)"
_DEPOSITOR = (
    "поклажедатель (организация, адрес, телефон, факс / фамилия, имя, отчество, паспортные данные)"
)


def write_goods_form(sheet: Sheet, form: GoodsForm) -> None:
    """The whole MX-1 or MX-3: header, goods table page by page, totals, services, signatures."""
    header = form.header
    _codes_and_parties(sheet, header)
    _title(sheet, form)
    page_total = _page_total if header.layout.page_totals else None
    write_pages(sheet, form.pages, _table_head, _goods_line, page_total)
    _totals(sheet, form)
    if form.services_totals is not None:
        _services(sheet, form, form.services_totals)
    write_signatures(sheet, form.signatures, (2, 3, 2, 3))


def _codes_and_parties(sheet: Sheet, header: Header) -> None:
    name = NAMES[header.kind]
    sheet.line(gap(5), Span(f"Унифицированная форма № {name}", SMALL_RIGHT, 5))
    sheet.line(
        gap(5),
        Span("Утверждена постановлением Госкомстата России от 09.08.99 № 66", SMALL_RIGHT, 5),
    )
    sheet.line(gap(8), Span("Коды", _CODE, 2))
    _code(sheet, "Форма по ОКУД", OKUD[header.kind])
    _party(sheet, header.executor, _CUSTODIAN)
    _party(sheet, None, "структурное подразделение")
    _party(sheet, header.customer, _DEPOSITOR)
    _code(sheet, "Вид деятельности по ОКДП", "")
    _code(sheet, "Договор (номер, дата)", header.basis)
    _code(sheet, "Вид операции", "")


def _code(sheet: Sheet, label: str, value: str) -> None:
    sheet.line(gap(5), Span(label, RIGHT, 3), Span(value, _CODE, 2))


def _party(sheet: Sheet, requisites: Requisites | None, caption: str) -> None:
    """A party's line with its caption beneath, and its OKPO in the codes box."""
    if requisites is None:
        sheet.line(Span("", FIELD, 5), gap(3), Span("", _CODE, 2))
    else:
        okpo = requisites.okpo or ""
        sheet.line(
            Span(party(requisites), FIELD, 5), Span("по ОКПО", RIGHT, 3), Span(okpo, _CODE, 2)
        )
    sheet.line(Span(caption, CAPTION, 5), gap(3), Span("", _CODE_BOX, 2))


def _title(sheet: Sheet, form: GoodsForm) -> None:
    header = form.header
    sheet.skip()
    sheet.line(gap(3), Span("Номер документа", HEAD, 2), Span("Дата составления", HEAD, 2))
    sheet.line(
        gap(3), Span(header.printed_number, _CODE, 2), Span(short_date(header.date), _CODE, 2)
    )
    sheet.skip()
    sheet.line(Span(header.title, _TITLE, 10))
    sheet.skip()
    term = f"Срок хранения: {form.storage_term}"
    if header.kind is FormKind.MX3:
        term = "Поклажедатель принял от хранителя следующие ценности:"
    sheet.line(Span(f"Место хранения: {form.warehouse}", TEXT, 5), Span(term, TEXT, 5))
    sheet.line(Span(f"Основание: {basis(header)}", TEXT, 10))
    sheet.skip()


def _table_head(sheet: Sheet) -> None:
    sheet.line(
        Span("Номер по порядку", HEAD, rows=2),
        Span("Товарно-материальные ценности", HEAD, 3),
        Span("Единица измерения", HEAD, 2),
        Span("Количество (масса)", HEAD, rows=2),
        Span("Оценка", HEAD, 2),
        Span("Примечание", HEAD, rows=2),
        height=14,
    )
    sheet.line(
        gap(),
        Span("наименование, вид упаковки", HEAD),
        Span("код", HEAD),
        Span("характеристика", HEAD),
        Span("наименование", HEAD),
        Span("код по ОКЕИ", HEAD),
        gap(),
        Span("цена, руб. коп.", HEAD),
        Span("сумма, руб. коп.", HEAD),
        gap(),
        height=20,
    )
    sheet.line(*(Span(str(number), HEAD) for number in range(1, 11)))


def _goods_line(sheet: Sheet, line: GoodsLine) -> None:
    sheet.line(
        Span(line.position, CENTER_CELL),
        Span(line.name, CELL),
        Span(line.code, CENTER_CELL),
        Span(line.characteristics, CELL),
        Span(line.unit, CENTER_CELL),
        Span(line.okei, CENTER_CELL),
        quantity_cell(line.quantity),
        Span(line.price, MONEY_CELL),
        Span(line.amount, MONEY_CELL),
        Span(line.note, CELL),
    )


def _page_total(sheet: Sheet, page: Page[GoodsLine]) -> None:
    _total_line(sheet, "Итого", page.quantity, page.amount)


def _total_line(sheet: Sheet, label: str, quantity: Decimal, amount: Decimal) -> None:
    sheet.line(
        Span(label, TOTAL_LABEL, 6),
        quantity_cell(quantity, bold=True),
        Span("Х", CENTER_CELL),
        Span(amount, MONEY_TOTAL),
        Span("Х", CENTER_CELL),
    )


def _totals(sheet: Sheet, form: GoodsForm) -> None:
    _total_line(sheet, "Всего по акту", form.quantity, form.amount)
    sheet.skip()
    sheet.line(
        Span("Количество (масса) ценностей (прописью):", TEXT, 2),
        Span(form.quantity_in_words, FIELD, 8),
    )
    sheet.line(Span("На сумму (прописью):", TEXT, 2), Span(form.amount_in_words, FIELD, 8))


def _services(sheet: Sheet, form: GoodsForm, totals: Totals) -> None:
    """MX-3's second table: the storage services the custodian rendered, with VAT."""
    sheet.skip()
    sheet.line(Span("Услуги по хранению, оказанные хранителем", BOLD, 10))
    sheet.line(
        Span("№", HEAD),
        Span("Наименование услуги", HEAD),
        Span("Код", HEAD),
        Span("Единица измерения", HEAD, 2),
        Span("Код по ОКЕИ", HEAD),
        Span("Количество", HEAD),
        Span("Цена, руб. коп.", HEAD),
        Span("Сумма, руб. коп.", HEAD, 2),
        height=20,
    )
    for line in form.services:
        _service_line(sheet, line)
    write_totals(sheet, form.vat, totals, "Всего", label_cols=8, value_cols=2)
    sheet.line(Span("Стоимость услуг (прописью):", TEXT, 2), Span(form.services_in_words, FIELD, 8))


def _service_line(sheet: Sheet, line: ServiceLine) -> None:
    sheet.line(
        Span(line.position, CENTER_CELL),
        Span(line.service, CELL),
        Span(line.code, CENTER_CELL),
        Span(line.unit, CENTER_CELL, 2),
        Span(line.okei, CENTER_CELL),
        quantity_cell(line.quantity),
        Span(line.price, MONEY_CELL),
        Span(line.amount, MONEY_CELL, 2),
    )
