"""Resolving what a user typed in a draft (codes, SKUs) into domain objects.

Unknown references become problems of the draft, collected with every other
problem, so the user sees all of them at once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from custody_core.domain import codes
from custody_core.domain.checks import CODE_LENGTH, Checks, is_reference, text_problem
from custody_core.domain.errors import Problem
from custody_core.domain.items import Item
from custody_core.domain.lines import Line, LineDraft, resolve_lines
from custody_core.domain.messages import Expected, expect
from custody_core.domain.parties import Contract, Counterparty, Warehouse
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import may_see, refuse_lookup
from custody_core.services.context import Context


def draft_counterparty(
    ctx: Context, uow: UnitOfWork, checks: Checks, code: str | None
) -> Counterparty | None:
    """The draft's counterparty; a client's own one when it left the field empty."""
    if code is None and ctx.principal.is_client:
        return ctx.counterparty(uow, None)
    key = checks.text(code, "counterparty", CODE_LENGTH)
    if not key:
        return None
    found = uow.counterparties.by_code(ctx.account_id, key)
    if found is None or not may_see(ctx.principal, found.id):
        checks.add(Problem(codes.Reference.UNKNOWN, "counterparty", code))
        refuse_lookup(ctx.principal, None if found is None else found.id)
        return None
    return found


def draft_warehouse(ctx: Context, uow: UnitOfWork, checks: Checks, code: str) -> Warehouse | None:
    key = code.strip() if isinstance(code, str) else None
    problem = None if key is None else text_problem(key, "warehouse", CODE_LENGTH)
    if problem is not None:
        checks.add(problem)
        return None
    found = None if key is None else uow.warehouses.by_code(ctx.account_id, key)
    if found is None:
        checks.add(Problem(codes.Reference.UNKNOWN, "warehouse", code))
    return found


def draft_lines(
    ctx: Context,
    uow: UnitOfWork,
    checks: Checks,
    counterparty: Counterparty | None,
    drafts: Sequence[LineDraft],
) -> tuple[Line, ...]:
    """Resolve line SKUs among the counterparty's items.

    Staff are told when a SKU belongs to another counterparty; a client is
    told only that it is unknown, so it learns nothing about other clients.
    Without a counterparty (its code was wrong: that is the draft's problem)
    the lines' own faults are still recorded, their SKUs not looked up.
    """
    if counterparty is None:
        return resolve_lines(checks, drafts, None)
    stripped = (draft.sku.strip() for draft in drafts if isinstance(draft.sku, str))
    skus = {sku for sku in stripped if is_reference(sku)}
    own, foreign = items_by_sku(ctx, uow, counterparty, skus)
    return resolve_lines(checks, drafts, own, foreign)


def items_by_sku(
    ctx: Context, uow: UnitOfWork, counterparty: Counterparty, skus: Collection[str]
) -> tuple[dict[str, Item], dict[str, Expected]]:
    """The counterparty's items among `skus`, and for the others that exist for another
    counterparty a description of the expected owner: only for staff, as a client may
    learn nothing about other clients."""
    own = {item.sku: item for item in uow.items.by_skus(ctx.account_id, skus, counterparty.id)}
    foreign: dict[str, Expected] = {}
    missing = set(skus) - own.keys()
    if missing and not ctx.principal.is_client:
        for item in uow.items.by_skus(ctx.account_id, missing):
            foreign[item.sku] = expect("own_item", counterparty=counterparty.code)
    return own, foreign


def draft_contract(
    contracts: list[Contract], number: str | None, checks: Checks
) -> Contract | None:
    """The contract numbered `number` among the counterparty's, or its main one when None."""
    if number is None:
        main = next((contract for contract in contracts if contract.is_main), None)
        if main is None:
            checks.add(Problem(codes.Contract.NO_MAIN, "contract"))
        return main
    problem = text_problem(number, "contract", CODE_LENGTH) if isinstance(number, str) else None
    if problem is not None:
        checks.add(problem)
        return None
    found = next((contract for contract in contracts if contract.number == number), None)
    if found is None:
        checks.add(Problem(codes.Reference.UNKNOWN, "contract", number))
    return found
