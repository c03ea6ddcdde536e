"""Use cases that set up reference data: counterparties, contracts, warehouses, items."""

from __future__ import annotations

import re
from datetime import date

from attrs import evolve

from custody_core.domain import codes
from custody_core.domain.checks import CODE_LENGTH, Checks
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.items import Item
from custody_core.domain.messages import expect
from custody_core.domain.parties import Contract, Counterparty, Warehouse
from custody_core.domain.units import PIECE, UnitOfMeasure
from custody_core.services import contacts
from custody_core.services.authorization import Action, authorize, may_see
from custody_core.services.context import Context

_INN = re.compile(r"^(\d{10}|\d{12})$")


def _duplicate(field: str, value: str) -> ValidationError:
    return ValidationError([Problem(codes.Reference.DUPLICATE, field, value)])


def add_counterparty(
    ctx: Context, code: str, name: str, *, phone: str | None = None, inn: str | None = None
) -> Counterparty:
    """Add a counterparty; its phone is checked and stored in E.164, as a user's."""
    authorize(ctx.principal, Action.MANAGE_CATALOG)
    checks = Checks()
    code = checks.text(code, "code", CODE_LENGTH)
    name = checks.text(name, "name")
    phone = contacts.phone(checks, phone, "phone")
    inn = checks.optional_text(inn, "inn", 12)
    if inn and not _INN.match(inn):
        checks.add(Problem(codes.Value.INVALID, "inn", inn, expect("inn_digits")))
    checks.done()
    with ctx.storage.unit_of_work() as uow:
        if uow.counterparties.by_code(ctx.account_id, code) is not None:
            raise _duplicate("code", code)
        counterparty = Counterparty(ctx.new_id(), ctx.account_id, code, name, phone, inn)
        uow.counterparties.add(counterparty)
        ctx.commit(
            uow, "counterparty.add", counterparty_id=counterparty.id, target=f"counterparty {code}"
        )
    return counterparty


def add_contract(
    ctx: Context,
    counterparty_code: str,
    number: str,
    *,
    signed_on: date | None = None,
    main: bool = False,
) -> Contract:
    """Add a contract; the first one of a counterparty, or one added with `main`, becomes main."""
    authorize(ctx.principal, Action.MANAGE_CATALOG)
    checks = Checks()
    number = checks.text(number, "number", CODE_LENGTH)
    checks.done()
    with ctx.storage.unit_of_work() as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        existing = uow.contracts.for_counterparty(ctx.account_id, counterparty.id)
        if any(contract.number == number for contract in existing):
            raise _duplicate("number", number)
        is_main = main or not existing
        if is_main:
            for contract in existing:
                if contract.is_main:
                    uow.contracts.save(evolve(contract, is_main=False))
        contract = Contract(
            ctx.new_id(), ctx.account_id, counterparty.id, number, signed_on, is_main
        )
        uow.contracts.add(contract)
        ctx.commit(
            uow, "contract.add", counterparty_id=counterparty.id, target=f"contract {number}"
        )
    return contract


def add_warehouse(ctx: Context, code: str, name: str) -> Warehouse:
    authorize(ctx.principal, Action.MANAGE_CATALOG)
    checks = Checks()
    code = checks.text(code, "code", CODE_LENGTH)
    name = checks.text(name, "name")
    checks.done()
    with ctx.storage.unit_of_work() as uow:
        if uow.warehouses.by_code(ctx.account_id, code) is not None:
            raise _duplicate("code", code)
        warehouse = Warehouse(ctx.new_id(), ctx.account_id, code, name)
        uow.warehouses.add(warehouse)
        ctx.commit(uow, "warehouse.add", target=f"warehouse {code}")
    return warehouse


def add_item(
    ctx: Context,
    counterparty_code: str,
    sku: str,
    name: str,
    *,
    unit: UnitOfMeasure = PIECE,
    declared_value: object = 0,
) -> Item:
    authorize(ctx.principal, Action.MANAGE_CATALOG)
    checks = Checks()
    sku = checks.text(sku, "sku", CODE_LENGTH)
    name = checks.text(name, "name")
    value = checks.money(declared_value, "declared_value")
    if not isinstance(unit, UnitOfMeasure):
        checks.add(Problem(codes.Value.INVALID, "unit", unit, expect("type", type="UnitOfMeasure")))
    checks.done()
    with ctx.storage.unit_of_work() as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        if uow.items.by_skus(ctx.account_id, [sku], counterparty.id):
            raise _duplicate("sku", sku)
        item = Item(ctx.new_id(), ctx.account_id, counterparty.id, sku, name, unit, value)
        uow.items.add(item)
        ctx.commit(uow, "item.add", counterparty_id=counterparty.id, target=f"item {sku}")
    return item


def list_counterparties(ctx: Context) -> list[Counterparty]:
    """Counterparties by code; a client sees only its own."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        found = uow.counterparties.find_all(ctx.account_id)
    return [counterparty for counterparty in found if may_see(ctx.principal, counterparty.id)]


def list_warehouses(ctx: Context) -> list[Warehouse]:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return uow.warehouses.find_all(ctx.account_id)


def list_contracts(ctx: Context, counterparty_code: str | None = None) -> list[Contract]:
    """Contracts of one counterparty (a client's own when `counterparty_code` is None)."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        return uow.contracts.for_counterparty(ctx.account_id, counterparty.id)


def list_items(ctx: Context, counterparty_code: str | None = None) -> list[Item]:
    """Items of one counterparty by SKU (a client's own when `counterparty_code` is None)."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        return uow.items.for_counterparty(ctx.account_id, counterparty.id)
