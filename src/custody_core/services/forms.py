"""Printed forms of posted documents: MX-1 of a receipt; MX-3, the service act and the
invoice of shipments.

Building a form reads the document, the parties' requisites and the tariff
in a read-only unit of work, so printing never holds up writers. A form
printed before keeps its number; the first time, once the form is built, a
short unit of work of its own gives it the next number (a form that cannot
be built takes none). Rendering is separate and needs no storage: any
renderer draws the same form value.

A form of a reversed document is void: a client is refused it
(`DocumentReversed`), staff get it annulled, with the number it was issued
with, or none if it never was (see docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from attrs import evolve

from custody_core.domain import codes
from custody_core.domain.checks import bounded, whole_number
from custody_core.domain.errors import (
    DocumentReversed,
    NotFound,
    Problem,
    RenderError,
    ValidationError,
)
from custody_core.domain.form_building import goods_form, goods_lines, header, services_form
from custody_core.domain.forms import Form, FormKind, GoodsForm, IssuedForm, Rendered, ServicesForm
from custody_core.domain.items import Item
from custody_core.domain.ledger import EFFECTS, Movement
from custody_core.domain.lines import Line
from custody_core.domain.messages import expect
from custody_core.domain.paging import PageRequest
from custody_core.domain.parties import Contract, Counterparty
from custody_core.domain.receipts import Receipt
from custody_core.domain.requisites import Requisites
from custody_core.domain.reversals import ReversalNote
from custody_core.domain.shipments import Shipment
from custody_core.domain.storage_days import Lot, returned_lots
from custody_core.domain.tariffs import Delivery, Tariff, delivery_charges, storage_charges
from custody_core.domain.units import KILOGRAM
from custody_core.domain.vat import NO_VAT
from custody_core.ports.storage import MovementQuery, UnitOfWork
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context
from custody_core.services.receipts import visible_receipt
from custody_core.services.shipments import visible_shipment
from custody_core.services.wording import RussianWording

F = TypeVar("F", GoodsForm, ServicesForm)

_WORDS = RussianWording()
_ON_HAND_KINDS = frozenset(kind for kind, (on_hand, _) in EFFECTS.items() if on_hand)
_HISTORY_PAGE = 1000


def mx1(ctx: Context, number: str, year: int, counterparty_code: str | None = None) -> GoodsForm:
    """MX-1 of the receipt `number` of `year` (a client's own counterparty by default)."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        receipt = visible_receipt(ctx, uow, counterparty_code, number, year)
        reversals = _reversals(ctx, [receipt])
        counterparty = _counterparty(ctx, uow, receipt.counterparty_id)
        issue = _Issue(ctx, uow, FormKind.MX1, f"receipt:{receipt.id}", receipt.date.year)
        head = header(
            FormKind.MX1,
            issue.number,
            receipt.date,
            _company(ctx, uow),
            _requisites(ctx, uow, counterparty),
            _contract(ctx, uow, counterparty.id, receipt.contract_id),
            f"Приходная накладная № {receipt.number} от {receipt.date:%d.%m.%Y}",
            reversals,
        )
        items = _items(ctx, uow, receipt.lines)
        form = goods_form(
            head,
            _warehouse(ctx, uow, receipt.warehouse_id),
            goods_lines(receipt.lines, items),
            _WORDS,
        )
    return issue.done(form, counterparty.id)


def mx3(ctx: Context, shipment_number: int) -> GoodsForm:
    """MX-3 of a shipment: the goods returned and the storage services for them."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        shipment = visible_shipment(ctx, uow, shipment_number, "shipment")
        reversals = _reversals(ctx, [shipment])
        counterparty = _counterparty(ctx, uow, shipment.counterparty_id)
        issue = _Issue(ctx, uow, FormKind.MX3, f"shipment:{shipment.id}", shipment.date.year)
        head = header(
            FormKind.MX3,
            issue.number,
            shipment.date,
            _company(ctx, uow),
            _requisites(ctx, uow, counterparty),
            _contract(ctx, uow, counterparty.id),
            _shipment_title(shipment),
            reversals,
        )
        items = _items(ctx, uow, shipment.lines)
        tariff = _tariff(ctx, uow, counterparty.id)
        lots = [lot for line in shipment.lines for lot in _lots(ctx, uow, shipment, line)]
        form = goods_form(
            head,
            _warehouse(ctx, uow, shipment.warehouse_id),
            goods_lines(shipment.lines, items),
            _WORDS,
            services=storage_charges(tariff, lots) if tariff else (),
            vat=tariff.vat if tariff else NO_VAT,
        )
    return issue.done(form, counterparty.id)


def services(ctx: Context, kind: FormKind, shipment_numbers: int | Sequence[int]) -> ServicesForm:
    """The service act or the invoice for the deliveries of one or more shipments of
    one counterparty, priced by its tariff."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    if kind not in (FormKind.ACT, FormKind.INVOICE):
        raise ValidationError(
            [
                Problem(
                    codes.Value.INVALID, "kind", kind, expect("form_kind", kinds=("act", "invoice"))
                )
            ]
        )
    if isinstance(shipment_numbers, int):
        shipment_numbers = [shipment_numbers]
    if isinstance(shipment_numbers, str) or not shipment_numbers:
        raise ValidationError(
            [
                Problem(
                    codes.Value.INVALID, "shipments", shipment_numbers, expect("shipment_numbers")
                )
            ]
        )
    listed = bounded(shipment_numbers, "shipments", ctx.max_list_length)
    wanted = dict.fromkeys(whole_number(n, "shipments") for n in listed)  # each once
    with ctx.storage.unit_of_work(read_only=True) as uow:
        shipments = _same_counterparty([visible_shipment(ctx, uow, n, "shipments") for n in wanted])
        reversals = _reversals(ctx, shipments)
        counterparty = _counterparty(ctx, uow, shipments[0].counterparty_id)
        tariff = _tariff(ctx, uow, counterparty.id)
        if tariff is None:
            raise ValidationError([Problem(codes.Tariff.MISSING, "tariff", counterparty.code)])
        deliveries = [_delivery(ctx, uow, shipment) for shipment in shipments]
        charged = delivery_charges(tariff, deliveries)
        if not charged:
            raise ValidationError([Problem(codes.Form.NO_SERVICES, "tariff", counterparty.code)])
        on = max(shipment.date for shipment in shipments)
        ids = ",".join(sorted(str(shipment.id) for shipment in shipments))
        issue = _Issue(ctx, uow, kind, f"shipments:{ids}", on.year)
        numbers = ", ".join(str(shipment.number) for shipment in shipments)
        head = header(
            kind,
            issue.number,
            on,
            _company(ctx, uow),
            _requisites(ctx, uow, counterparty),
            _contract(ctx, uow, counterparty.id),
            f"Расходные накладные № {numbers}"
            if len(shipments) > 1
            else _shipment_title(shipments[0]),
            reversals,
        )
        form = services_form(head, charged, tariff.vat, _WORDS)
    return issue.done(form, counterparty.id)


def render(ctx: Context, form: Form, format_name: str) -> Rendered:
    """The file of `form` in `format_name` ("xlsx", "html", "pdf", or a plugin's)."""
    if ctx.renderers is None:
        raise RenderError(codes.Form.FORMAT_UNKNOWN, format=format_name, installed="none")
    renderer = ctx.renderers(format_name)
    if form.header.kind not in renderer.kinds:
        raise RenderError(format=format_name, kind=form.header.kind.value)
    return renderer.render(form)


class _Issue:
    """A form's number: the one it was first printed with (read with the form), else
    none (0) until `done` takes the next free one for the built form."""

    def __init__(self, ctx: Context, uow: UnitOfWork, kind: FormKind, source: str, year: int):
        self._ctx = ctx
        self._kind, self._source, self._year = kind, source, year
        self._issued = uow.form_numbers.get(ctx.account_id, kind, source)

    @property
    def number(self) -> int:
        return self._issued.number if self._issued else 0

    def done(self, form: F, counterparty_id: UUID) -> F:
        """`form`, numbered: a form printed before has its number already; otherwise a
        unit of work of its own stores the next free one (or the number another printing
        stored meanwhile) with its audit entry. An annulled form is void: one never
        issued takes no number."""
        if self._issued is not None or form.header.annulment is not None:
            return form
        ctx = self._ctx
        with ctx.storage.unit_of_work() as uow:
            # The next number first: taking it holds the kind and year's numbering (on
            # PostgreSQL, a lock), so a number stored meanwhile for this document is seen.
            number = uow.form_numbers.next_number(ctx.account_id, self._kind, self._year)
            issued = uow.form_numbers.get(ctx.account_id, self._kind, self._source)
            if issued is None:
                issued = IssuedForm(
                    ctx.account_id,
                    self._kind,
                    self._source,
                    self._year,
                    number,
                    ctx.now(),
                    ctx.principal.user,
                )
                uow.form_numbers.add(issued)
                target = f"{issued.kind} {issued.number}/{issued.year}"
                ctx.commit(uow, "issue_form", counterparty_id=counterparty_id, target=target)
        return evolve(form, header=evolve(form.header, number=issued.number))


def _company(ctx: Context, uow: UnitOfWork) -> Requisites:
    """The company's requisites; only its name when none were stored."""
    stored = uow.requisites.get(ctx.account_id, ctx.account_id)
    return stored or Requisites(ctx.account(uow).name)


def _requisites(ctx: Context, uow: UnitOfWork, counterparty: Counterparty) -> Requisites:
    """The counterparty's requisites; what its card holds when none were stored."""
    stored = uow.requisites.get(ctx.account_id, counterparty.id)
    return stored or Requisites(counterparty.name, inn=counterparty.inn, phone=counterparty.phone)


def _contract(
    ctx: Context, uow: UnitOfWork, counterparty_id: UUID, contract_id: UUID | None = None
) -> Contract | None:
    """The contract `contract_id`, or the counterparty's main one."""
    contracts = uow.contracts.for_counterparty(ctx.account_id, counterparty_id)
    wanted = (c for c in contracts if c.id == contract_id or (contract_id is None and c.is_main))
    return next(wanted, None)


def _tariff(ctx: Context, uow: UnitOfWork, counterparty_id: UUID) -> Tariff | None:
    """The counterparty's own tariff, else the account's default one."""
    own = uow.tariffs.get(ctx.account_id, counterparty_id)
    return own or uow.tariffs.get(ctx.account_id, None)


def _reversals(ctx: Context, documents: Sequence[Receipt | Shipment]) -> list[ReversalNote]:
    """The reversals of `documents`, which annul their form; a client is refused the form of
    a reversed document."""
    for document in documents:
        if document.reversal is not None and ctx.principal.is_client:
            number = document.number
            if isinstance(document, Receipt):
                number = f"{document.number}/{document.year}"
            raise DocumentReversed(
                kind=document.kind.value,
                number=number,
                reversal=document.reversal.number,
                date=document.reversal.date.isoformat(),
            )
    return [document.reversal for document in documents if document.reversal is not None]


def _same_counterparty(shipments: list[Shipment]) -> list[Shipment]:
    owners = {shipment.counterparty_id for shipment in shipments}
    if len(owners) > 1:
        numbers = [shipment.number for shipment in shipments]
        raise ValidationError(
            [Problem(codes.Value.INVALID, "shipments", numbers, expect("one_counterparty"))]
        )
    return sorted(shipments, key=_number)


def _number(shipment: Shipment) -> int:
    return shipment.number


def _shipment_title(shipment: Shipment) -> str:
    return f"Расходная накладная № {shipment.number} от {shipment.date:%d.%m.%Y}"


def _counterparty(ctx: Context, uow: UnitOfWork, counterparty_id: UUID) -> Counterparty:
    found = uow.counterparties.get(ctx.account_id, counterparty_id)
    if found is None:
        raise NotFound(entity="counterparty", key=str(counterparty_id))
    return found


def _warehouse(ctx: Context, uow: UnitOfWork, warehouse_id: UUID) -> str:
    found = uow.warehouses.get(ctx.account_id, warehouse_id)
    if found is None:
        raise NotFound(entity="warehouse", key=str(warehouse_id))
    return found.name


def _items(ctx: Context, uow: UnitOfWork, lines: Sequence[Line]) -> dict[UUID, Item]:
    items = {}
    for line in lines:
        item = uow.items.get(ctx.account_id, line.item_id)
        if item is None:
            raise NotFound(entity="item", key=str(line.item_id))
        items[item.id] = item
    return items


def _lots(ctx: Context, uow: UnitOfWork, shipment: Shipment, line: Line) -> list[Lot]:
    """The lots a shipment's line took from what was on hand when it was posted."""
    history = _history(ctx, uow, shipment, line.item_id)
    return returned_lots(history, line.quantity, shipment.date)


def _history(
    ctx: Context, uow: UnitOfWork, shipment: Shipment, item_id: UUID
) -> Iterator[Movement]:
    """The item's movements dated up to the shipment and posted before it, in posting order.

    Posting order is the ledger's append order, not the posting instant: shipments
    posted at one instant (a coarse clock) still come one after the other, so each
    keeps the lots it took and a reprint takes the same ones.
    """
    query = MovementQuery(
        counterparty_id=shipment.counterparty_id,
        warehouse_id=shipment.warehouse_id,
        item_id=item_id,
        kinds=_ON_HAND_KINDS,
        date_to=shipment.date,
        posting_order=True,
    )
    page = PageRequest(limit=_HISTORY_PAGE)
    while True:
        found = uow.ledger.find(ctx.account_id, query, page)
        for movement in found:
            if movement.document_id == shipment.id:
                return
            yield movement
        if found.next_after is None:
            return
        page = PageRequest(limit=_HISTORY_PAGE, after=found.next_after)


def _delivery(ctx: Context, uow: UnitOfWork, shipment: Shipment) -> Delivery:
    """What the delivery rates count for one shipment: its order's weight and zone.

    The weight is the free cargo's weight plus the goods handed over that are
    kept in kilograms.
    """
    order = uow.orders.get(ctx.account_id, shipment.order_id)
    if order is None:
        raise NotFound(entity="order", key=shipment.order_number)
    items = _items(ctx, uow, shipment.lines)
    weight = sum((cargo.weight for cargo in order.cargo if cargo.weight), Decimal(0))
    weight += sum(
        (
            line.quantity
            for line in shipment.lines
            if items[line.item_id].unit.code == KILOGRAM.code
        ),
        Decimal(0),
    )
    return Delivery(weight, order.zone)
