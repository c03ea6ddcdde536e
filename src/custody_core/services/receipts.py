"""Posting receipts (приходные накладные): goods accepted onto custody."""

from __future__ import annotations

from datetime import date, datetime

from custody_core.domain import codes
from custody_core.domain.checks import CODE_LENGTH, Checks, bounded, reference, whole_number
from custody_core.domain.errors import DuplicateDocument, NotFound, Problem
from custody_core.domain.messages import expect
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.receipts import Receipt, ReceiptDraft
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context, document_query
from custody_core.services.drafting import (
    draft_contract,
    draft_counterparty,
    draft_lines,
    draft_warehouse,
)
from custody_core.services.stock_moves import record_movements


def post_receipt(ctx: Context, draft: ReceiptDraft) -> Receipt:
    """Post a receipt: stock goes on hand; the same number twice in a year is refused."""
    authorize(ctx.principal, Action.POST_RECEIPT)
    bounded(draft.lines, "lines", ctx.max_list_length)
    checks = Checks()
    number = checks.text(draft.number, "number", CODE_LENGTH)
    dated = isinstance(draft.date, date) and not isinstance(draft.date, datetime)
    if not dated:
        checks.add(Problem(codes.Value.INVALID, "date", draft.date, expect("date")))
    if not draft.lines:
        checks.add(Problem(codes.Lines.EMPTY, "lines"))
    with ctx.storage.unit_of_work() as uow:
        now = ctx.now()
        today = ctx.account(uow).business_date(now)
        if dated and draft.date > today:
            checks.add(
                Problem(codes.Date.FUTURE, "date", draft.date, expect("on_or_before", date=today))
            )
        counterparty = draft_counterparty(ctx, uow, checks, draft.counterparty)
        warehouse = draft_warehouse(ctx, uow, checks, draft.warehouse)
        contract = None
        if counterparty is not None:
            contract = draft_contract(
                uow.contracts.for_counterparty(ctx.account_id, counterparty.id),
                draft.contract,
                checks,
            )
        lines = draft_lines(ctx, uow, checks, counterparty, draft.lines)
        checks.done()
        assert counterparty is not None
        assert warehouse is not None
        assert contract is not None
        receipt = Receipt(
            id=ctx.new_id(),
            account_id=ctx.account_id,
            number=number,
            date=draft.date,
            counterparty_id=counterparty.id,
            contract_id=contract.id,
            warehouse_id=warehouse.id,
            lines=lines,
            posted_at=now,
            posted_by=ctx.principal.user,
        )
        try:
            uow.receipts.add(receipt)
        except DuplicateDocument:
            raise DuplicateDocument(
                kind="receipt", number=number, year=receipt.year, counterparty=counterparty.code
            ) from None
        movements = receipt.movements()
        record_movements(uow, ctx.account_id, movements)
        uow.periods.adjust(ctx.account_id, movements)
        ctx.commit(
            uow,
            "receipt.post",
            counterparty_id=counterparty.id,
            target=f"receipt {number}/{receipt.year}",
        )
    return receipt


def list_receipts(
    ctx: Context,
    counterparty_code: str | None = None,
    warehouse_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: PageRequest | None = None,
    reversed: bool | None = None,
) -> Page[Receipt]:
    """Receipts by date, each with its reversal if it was reversed (`reversed` keeps only
    those that were, or were not); a client sees only its own, read-only."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        query = document_query(
            ctx, uow, counterparty_code, warehouse_code, date_from, date_to, reversed=reversed
        )
        return uow.receipts.find(ctx.account_id, query, page or PageRequest())


def get_receipt(ctx: Context, counterparty_code: str | None, number: str, year: int) -> Receipt:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return visible_receipt(ctx, uow, counterparty_code, number, year)


def visible_receipt(
    ctx: Context, uow: UnitOfWork, counterparty_code: str | None, number: str, year: int
) -> Receipt:
    """The receipt `number` of `year` of a counterparty (a client's own by default),
    NotFound if it does not exist or the principal may not see it."""
    counterparty = ctx.counterparty(uow, counterparty_code)
    receipt = uow.receipts.by_number(
        ctx.account_id, counterparty.id, reference(number, "number"), whole_number(year, "year")
    )
    if receipt is None:
        raise NotFound(entity="receipt", key=f"{number}/{year}")
    return receipt
