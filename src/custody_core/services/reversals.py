"""Reversals (сторно): posted receipts and shipments are corrected only by reversing them.

A reversal is dated the business day it is posted, never back-dated, so the
history before it stays exactly as it was reported.
"""

from __future__ import annotations

from custody_core.domain.checks import TEXT_LENGTH, Checks
from custody_core.domain.errors import AlreadyReversed, DuplicateDocument
from custody_core.domain.ledger import DocumentKind
from custody_core.domain.orders import DeliveryOrder, OrderChange
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.receipts import Receipt
from custody_core.domain.reversals import Reversal
from custody_core.domain.shipments import Shipment
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context, document_query
from custody_core.services.orders import apply_change
from custody_core.services.receipts import visible_receipt
from custody_core.services.shipments import visible_shipment
from custody_core.services.stock_moves import record_movements


def reverse_receipt(
    ctx: Context, counterparty_code: str, number: str, year: int, reason: str
) -> Reversal:
    """Reverse a posted receipt: its goods leave the stock, refused if they are already gone."""
    authorize(ctx.principal, Action.REVERSE_DOCUMENTS)
    reason = _reason(reason)
    with ctx.storage.unit_of_work() as uow:
        receipt = visible_receipt(ctx, uow, counterparty_code, number, year)
        reversal = _post(ctx, uow, receipt, reason, key=f"{number}/{year}")
        record_movements(uow, ctx.account_id, reversal.receipt_movements())
        ctx.commit(
            uow,
            "receipt.reverse",
            counterparty_id=receipt.counterparty_id,
            target=f"receipt {number}/{year}",
        )
    return reversal


def reverse_shipment(ctx: Context, number: int, reason: str) -> tuple[Reversal, DeliveryOrder]:
    """Reverse a shipment: its goods return on hand and its order is confirmed again,
    holding its whole reserve, ready to be delivered, failed or cancelled anew."""
    authorize(ctx.principal, Action.REVERSE_DOCUMENTS)
    reason = _reason(reason)
    with ctx.storage.unit_of_work() as uow:
        shipment = visible_shipment(ctx, uow, number)
        order = uow.orders.get(ctx.account_id, shipment.order_id)
        assert order is not None, "a shipment's order exists"
        reversal = _post(ctx, uow, shipment, reason, key=str(number))
        changed = apply_change(
            ctx,
            uow,
            order,
            OrderChange.REVERSE_DELIVERY,
            document=(DocumentKind.REVERSAL, reversal.id),
        )
        ctx.commit(
            uow,
            "shipment.reverse",
            counterparty_id=shipment.counterparty_id,
            target=f"shipment {shipment.number}",
        )
    return reversal, changed


def list_reversals(
    ctx: Context, counterparty_code: str | None = None, page: PageRequest | None = None
) -> Page[Reversal]:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        query = document_query(ctx, uow, counterparty_code)
        return uow.reversals.find(ctx.account_id, query, page or PageRequest())


def _reason(reason: str) -> str:
    checks = Checks()
    text = checks.text(reason, "reason", TEXT_LENGTH, multiline=True)
    checks.done()
    return text


def _post(
    ctx: Context, uow: UnitOfWork, document: Receipt | Shipment, reason: str, key: str
) -> Reversal:
    """Store the reversal of `document`; a document already reversed is refused."""
    now = ctx.now()
    reversal = Reversal(
        id=ctx.new_id(),
        account_id=ctx.account_id,
        number=uow.reversals.next_number(ctx.account_id),
        date=ctx.account(uow).business_date(now),
        document_kind=document.kind,
        document_id=document.id,
        counterparty_id=document.counterparty_id,
        warehouse_id=document.warehouse_id,
        lines=document.lines,
        reason=reason,
        posted_at=now,
        posted_by=ctx.principal.user,
    )
    try:
        uow.reversals.add(reversal)
    except DuplicateDocument:
        raise AlreadyReversed(kind=document.kind.value, number=key) from None
    return reversal
