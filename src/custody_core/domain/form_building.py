"""Builders of printed forms from posted documents, requisites and tariffs.

Builders are pure: the service that prints loads the documents, gives each
form its number, and passes words for numbers (`Wording`) in. Text that
came from users (item names, SKUs, requisites) is made printable here,
once, so no renderer meets a control character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import attrs

from custody_core.domain.errors import RequisitesMissing
from custody_core.domain.forms import (
    LAYOUTS,
    Annulment,
    FormKind,
    GoodsForm,
    GoodsLine,
    Header,
    ServiceLine,
    ServicesForm,
    Signature,
    Wording,
    paginate,
)
from custody_core.domain.items import Item
from custody_core.domain.lines import Line
from custody_core.domain.parties import Contract
from custody_core.domain.requisites import Requisites, Signatory, missing
from custody_core.domain.reversals import ReversalNote
from custody_core.domain.tariffs import Charged
from custody_core.domain.vat import NO_VAT, Vat, line_amount, totals

_BANK = ("bank.bank", "bank.bik", "bank.settlement_account", "bank.correspondent_account")
#: The requisites each form cannot be printed without: (the company's, the counterparty's).
NEEDED: Mapping[FormKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    FormKind.MX1: (("name", "inn", "address", "okpo", "head"), ("name", "address")),
    FormKind.MX3: (("name", "inn", "address", "okpo", "head"), ("name", "address")),
    FormKind.ACT: (("name", "inn", "address", "head"), ("name", "inn", "address")),
    FormKind.INVOICE: (
        ("name", "inn", "address", *_BANK, "head", "accountant"),
        ("name", "inn", "address"),
    ),
}
#: Each form's two signature places: (role, whose signatory, which one).
_SIGNATURES = {
    FormKind.MX1: (("Сдал", "customer", "head"), ("Принял", "executor", "head")),
    FormKind.MX3: (("Сдал", "executor", "head"), ("Получил", "customer", "head")),
    FormKind.ACT: (("Исполнитель", "executor", "head"), ("Заказчик", "customer", "head")),
    FormKind.INVOICE: (
        ("Руководитель", "executor", "head"),
        ("Бухгалтер", "executor", "accountant"),
    ),
}
T = TypeVar("T")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: MX-1's storage term when the contract sets it.
BY_CONTRACT = "по договору"


def printable(text: str) -> str:
    """`text` with control characters turned into spaces (line breaks and tabs kept)."""
    return _CONTROL.sub(" ", text)


def header(
    kind: FormKind,
    number: int,
    on: date,
    executor: Requisites,
    customer: Requisites,
    contract: Contract | None,
    source: str,
    reversals: Sequence[ReversalNote] = (),
) -> Header:
    """A form's header, annulled by `reversals` when there are any; RequisitesMissing
    lists every field either side lacks for `kind`."""
    company_needs, customer_needs = NEEDED[kind]
    if kind in (FormKind.ACT, FormKind.INVOICE) and executor.inn and len(executor.inn) == 10:
        company_needs = (*company_needs, "kpp")
    problems = missing(executor, company_needs, "company") + missing(
        customer, customer_needs, "counterparty"
    )
    if problems:
        raise RequisitesMissing(problems)
    basis = ""
    if contract is not None:
        signed = f" от {contract.signed_on:%d.%m.%Y}" if contract.signed_on else ""
        basis = printable(f"Договор № {contract.number}{signed}")
    annulment = None
    if reversals:
        printed = tuple(attrs.evolve(r, reason=printable(r.reason)) for r in reversals)
        annulment = Annulment(printed)
    return Header(
        kind,
        number,
        on,
        _printable(executor),
        _printable(customer),
        basis,
        printable(source),
        annulment,
    )


def goods_lines(lines: Sequence[Line], items: Mapping[UUID, Item]) -> list[GoodsLine]:
    """Lines of goods valued at each item's declared value."""
    goods = []
    for position, line in enumerate(lines, start=1):
        item = items[line.item_id]
        goods.append(
            GoodsLine(
                position,
                printable(item.name),
                printable(item.sku),
                item.unit.name,
                item.unit.okei,
                line.quantity,
                item.declared_value,
                line_amount(item.declared_value, line.quantity),
            )
        )
    return goods


def goods_form(
    head: Header,
    warehouse: str,
    goods: Sequence[GoodsLine],
    words: Wording,
    *,
    services: Sequence[Charged] = (),
    vat: Vat = NO_VAT,
) -> GoodsForm:
    """MX-1 (no services) or MX-3 (with the storage services rendered)."""
    quantity = sum((line.quantity for line in goods), Decimal(0))
    amount = sum((line.amount for line in goods), Decimal("0.00"))
    service_lines = _service_lines(services)
    services_totals = totals([line.amount for line in service_lines], vat) if services else None
    return GoodsForm(
        head,
        printable(warehouse),
        BY_CONTRACT,
        paginate(goods, head.layout, tail=len(service_lines)),
        quantity,
        amount,
        words.quantity(quantity),
        words.money(amount),
        _signatures(head),
        tuple(service_lines),
        services_totals,
        vat,
        words.money(services_totals.due) if services_totals else "",
    )


def services_form(
    head: Header, charged: Sequence[Charged], vat: Vat, words: Wording
) -> ServicesForm:
    """The service act or the invoice over priced services."""
    lines = _service_lines(charged)
    sums = totals([line.amount for line in lines], vat)
    return ServicesForm(
        head,
        paginate(lines, LAYOUTS[head.kind]),
        sums,
        vat,
        words.money(sums.due),
        _signatures(head),
    )


def _service_lines(charged: Sequence[Charged]) -> list[ServiceLine]:
    return [
        ServiceLine(
            position,
            printable(line.service),
            printable(line.code),
            line.unit,
            line.okei,
            line.quantity,
            line.price,
            line.amount,
        )
        for position, line in enumerate(charged, start=1)
    ]


def _signatures(head: Header) -> tuple[Signature, Signature]:
    places = []
    for role, side, which in _SIGNATURES[head.kind]:
        party = head.executor if side == "executor" else head.customer
        signatory: Signatory | None = getattr(party, which)
        places.append(
            Signature(role, signatory.position, signatory.name) if signatory else Signature(role)
        )
    return places[0], places[1]


def _printable(value: T) -> T:
    """`value` with every string in it, nested attrs values included, made printable."""
    if isinstance(value, str):
        return printable(value)  # type: ignore[return-value]
    if not attrs.has(type(value)):
        return value
    instance: Any = value
    changes = {
        field.name: _printable(getattr(instance, field.name))
        for field in attrs.fields(type(instance))
    }
    changed: T = attrs.evolve(instance, **changes)
    return changed
