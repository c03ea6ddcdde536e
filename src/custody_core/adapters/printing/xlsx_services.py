"""The invoice and the service act in their usual layout (no official blank exists).

Nine columns: the service's name spans two, so the labels of the parties'
lines ("Поставщик (Исполнитель):") fit the first two and their values the rest.
"""

from __future__ import annotations

from functools import partial

from custody_core.adapters.printing.formatting import long_date, money
from custody_core.adapters.printing.xlsx_parts import (
    BOLD,
    CELL,
    CENTER_CELL,
    HEAD,
    MONEY_CELL,
    RULE,
    TEXT,
    basis,
    party,
    quantity_cell,
    write_pages,
    write_signatures,
    write_totals,
)
from custody_core.adapters.printing.xlsx_sheet import Look, Sheet, Span, gap
from custody_core.domain.forms import FormKind, ServiceLine, ServicesForm
from custody_core.domain.requisites import BankAccount, Requisites

#: №, name (two columns), code, quantity, unit, OKEI, price, amount.
WIDTHS = (4.0, 16.0, 30.0, 9.0, 8.0, 6.0, 6.0, 10.0, 12.0)
_COLUMNS = len(WIDTHS)
_TITLE = Look(size=12, bold=True, sides="b", heavy=True, vertical="bottom")
_BANK_TOP = Look(sides="lrt")
_BANK_CAPTION = Look(size=6, sides="lrb", vertical="top")
_BANK_CELL = Look(sides="lrtb", vertical="top")
_NO_BANK = BankAccount("", "", "", "")
CLAUSE = (
    "Вышеперечисленные услуги выполнены полностью и в срок. "
    "Заказчик претензий по объему, качеству и срокам оказания услуг не имеет."
)


def write_services_form(sheet: Sheet, form: ServicesForm) -> None:
    """The whole invoice or act: (bank block), title, parties, table, totals, signatures."""
    header = form.header
    invoice = header.kind is FormKind.INVOICE
    if invoice:
        _bank_block(sheet, header.executor)
    sheet.line(
        Span(
            f"{header.title} № {header.printed_number} от {long_date(header.date)}",
            _TITLE,
            _COLUMNS,
        ),
        height=26,
    )
    sheet.skip()
    sides = ("Поставщик (Исполнитель):", "Покупатель (Заказчик):")
    if not invoice:
        sides = ("Исполнитель:", "Заказчик:")
    _labelled(sheet, sides[0], party(header.executor))
    _labelled(sheet, sides[1], party(header.customer))
    _labelled(sheet, "Основание:", basis(header))
    sheet.skip()
    column = "Товары (работы, услуги)" if invoice else "Наименование работ, услуг"
    write_pages(sheet, form.pages, partial(_table_head, column=column), _service_line, None)
    write_totals(
        sheet,
        form.vat,
        form.totals,
        "Всего к оплате" if invoice else "Всего",
        label_cols=_COLUMNS - 1,
        value_cols=1,
    )
    _summary(sheet, form, invoice=invoice)
    write_signatures(sheet, form.signatures, (2, 2, 2, 3))


def _bank_block(sheet: Sheet, executor: Requisites) -> None:
    """The recipient's bank and accounts, boxed as every Russian invoice starts."""
    bank = executor.bank or _NO_BANK
    sheet.line(
        Span(bank.bank, _BANK_TOP, 4), Span("БИК", _BANK_CELL, 2), Span(bank.bik, _BANK_CELL, 3)
    )
    sheet.line(
        Span("Банк получателя", _BANK_CAPTION, 4),
        Span("Сч. №", _BANK_CELL, 2),
        Span(bank.correspondent_account, _BANK_CELL, 3),
    )
    sheet.line(
        Span(f"ИНН {executor.inn or ''}", _BANK_CELL, 2),
        Span(f"КПП {executor.kpp or ''}", _BANK_CELL, 2),
        Span("Сч. №", _BANK_CELL, 2, rows=3),
        Span(bank.settlement_account, _BANK_CELL, 3, rows=3),
    )
    sheet.line(Span(executor.name, _BANK_TOP, 4), gap(5))
    sheet.line(Span("Получатель", _BANK_CAPTION, 4), gap(5))
    sheet.skip(12)


def _labelled(sheet: Sheet, label: str, value: str) -> None:
    sheet.line(Span(label, TEXT, 2), Span(value, BOLD, _COLUMNS - 2))


def _table_head(sheet: Sheet, *, column: str) -> None:
    sheet.line(
        Span("№", HEAD),
        Span(column, HEAD, 2),
        Span("Код", HEAD),
        Span("Кол-во", HEAD),
        Span("Ед.", HEAD),
        Span("Код по ОКЕИ", HEAD),
        Span("Цена", HEAD),
        Span("Сумма", HEAD),
        height=20,
    )


def _service_line(sheet: Sheet, line: ServiceLine) -> None:
    sheet.line(
        Span(line.position, CENTER_CELL),
        Span(line.service, CELL, 2),
        Span(line.code, CENTER_CELL),
        quantity_cell(line.quantity),
        Span(line.unit, CENTER_CELL),
        Span(line.okei, CENTER_CELL),
        Span(line.price, MONEY_CELL),
        Span(line.amount, MONEY_CELL),
    )


def _summary(sheet: Sheet, form: ServicesForm, *, invoice: bool) -> None:
    """The count and sum in a sentence, the sum in words, and the act's clause."""
    counted = "Всего наименований" if invoice else "Всего оказано услуг"
    sheet.skip()
    sheet.line(
        Span(
            f"{counted} {len(form.lines)}, на сумму {money(form.totals.due)} руб.",
            TEXT,
            _COLUMNS,
        )
    )
    sheet.line(Span(form.amount_in_words, BOLD, _COLUMNS))
    if not invoice:
        sheet.skip()
        sheet.line(Span(CLAUSE, TEXT, _COLUMNS))
    sheet.line(Span("", RULE, _COLUMNS), height=4)
