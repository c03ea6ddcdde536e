"""Checking order drafts of one counterparty and building orders from them.

One routine serves a single order typed in a form and the thousands a
registry import brings: the builder remembers the warehouses and items it
has looked up, so a registry costs one query per new code or batch of SKUs,
not one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
from attrs import frozen

from custody_core.domain import codes, numbers
from custody_core.domain.checks import (
    CODE_LENGTH,
    TEXT_LENGTH,
    Checks,
    is_reference,
    optional_day,
    text_problem,
)
from custody_core.domain.errors import Problem
from custody_core.domain.items import Item
from custody_core.domain.lines import Line, resolve_lines
from custody_core.domain.messages import Expected, expect
from custody_core.domain.orders import Cargo, CargoDraft, DeliveryOrder, OrderDraft
from custody_core.domain.parties import Counterparty, Warehouse
from custody_core.ports.storage import UnitOfWork
from custody_core.services import contacts
from custody_core.services.context import Context
from custody_core.services.drafting import draft_lines, draft_warehouse, items_by_sku

#: Kilograms are kept to grams.
WEIGHT_SCALE = 3


@frozen
class OrderFields:
    """The fields of an order that need no lookup, checked: what a draft's counterparty,
    warehouse or items being unknown leaves worth checking still."""

    recipient: str | None
    address: str | None
    comment: str | None
    external_number: str | None
    phone: str | None
    delivery_date: date | None
    cash_on_delivery: Decimal | None
    zone: str | None
    cargo: tuple[Cargo, ...]


@frozen
class CheckedOrder(OrderFields):
    """A draft whose every field passed its checks: an order but for its id and number.

    A registry checks a whole batch before it numbers the orders that passed, with
    one block of numbers; a dry run needs no more than this.
    """

    warehouse: Warehouse
    lines: tuple[Line, ...]

    def differences(self, order: DeliveryOrder) -> list[str]:
        """The fields in which `order` (stored) is not what this draft would make."""
        found = ["warehouse"] if self.warehouse.id != order.warehouse_id else []
        found += [name for name in _COMPARED if getattr(self, name) != getattr(order, name)]
        return found


#: The fields an order keeps as its checked draft gave them.
_COMPARED = (
    "recipient",
    "phone",
    "address",
    "delivery_date",
    "cash_on_delivery",
    "comment",
    "zone",
    "lines",
    "cargo",
)


def order_fields(checks: Checks, draft: OrderDraft) -> OrderFields:
    """The draft's own fields checked, each problem recorded (an order with neither lines
    nor cargo among them)."""
    return OrderFields(
        recipient=checks.optional_text(draft.recipient, "recipient"),
        address=checks.optional_text(draft.address, "address", TEXT_LENGTH, multiline=True),
        comment=checks.optional_text(draft.comment, "comment", TEXT_LENGTH, multiline=True),
        external_number=checks.optional_text(draft.external_number, "external_number", CODE_LENGTH),
        phone=contacts.phone(checks, draft.phone, "phone"),
        delivery_date=checks.attempt(optional_day, draft.delivery_date, "delivery_date"),
        cash_on_delivery=_optional(
            checks, numbers.money, draft.cash_on_delivery, "cash_on_delivery"
        ),
        zone=checks.optional_text(draft.zone, "zone", CODE_LENGTH),
        cargo=_cargo_lines(checks, draft),
    )


def check_without_counterparty(
    ctx: Context, uow: UnitOfWork, checks: Checks, draft: OrderDraft
) -> None:
    """Record the problems of a draft whose counterparty is unknown (itself a problem,
    recorded already): all but those of its SKUs, which can only be looked up among a
    counterparty's items. Within the account's order limits, as `OrderBuilder.check`."""
    oversize = uow.settings.get(ctx.account_id).order_limits.problems(
        len(draft.lines), len(draft.cargo)
    )
    if oversize:
        checks.problems.extend(oversize)
        return
    order_fields(checks, draft)
    draft_warehouse(ctx, uow, checks, draft.warehouse)
    draft_lines(ctx, uow, checks, None, draft.lines)


def _cargo_lines(checks: Checks, draft: OrderDraft) -> tuple[Cargo, ...]:
    cargo = tuple(
        _cargo(checks, line, f"cargo[{index}]") for index, line in enumerate(draft.cargo, 1)
    )
    if not draft.lines and not draft.cargo:
        checks.add(Problem(codes.Lines.EMPTY, "lines"))
    return cargo


class OrderBuilder:
    """Turns drafts of `counterparty`'s orders into orders, checking every field."""

    def __init__(self, ctx: Context, uow: UnitOfWork, counterparty: Counterparty) -> None:
        self._ctx = ctx
        #: Where lookups go; a caller working in several units of work sets it to the open one.
        self.uow = uow
        self.counterparty = counterparty
        self._warehouses: dict[str, Warehouse | None] = {}
        self._items: dict[str, Item] = {}
        #: What was looked up, by id: a registry's summary names items and warehouses.
        self.items_by_id: dict[UUID, Item] = {}
        self.warehouses_by_id: dict[UUID, Warehouse] = {}
        self._looked_up: set[str] = set()
        self._foreign: dict[str, Expected] = {}
        self._free_numbers: set[str | None] = set()
        #: Read when the builder is made: a dry run's registry reads on after its unit of work.
        self.limits = uow.settings.get(ctx.account_id).order_limits

    def look_up_skus(self, skus: Iterable[str]) -> None:
        """Fetch the counterparty's items among `skus` in one query (a cache for `build`)."""
        stripped = (sku.strip() for sku in skus if isinstance(sku, str))
        wanted = {sku for sku in stripped if is_reference(sku)} - self._looked_up
        if not wanted:
            return
        self._looked_up |= wanted
        own, foreign = items_by_sku(self._ctx, self.uow, self.counterparty, wanted)
        self._items.update(own)
        self.items_by_id.update((item.id, item) for item in own.values())
        self._foreign.update(foreign)

    def look_up_external_numbers(self, external_numbers: Iterable[str]) -> dict[str, int]:
        """Which of `external_numbers` the counterparty's orders already carry (-> order
        number), in one query; the others are remembered as free for `build`."""
        wanted = {number for number in external_numbers if is_reference(number)}
        taken = self.uow.orders.by_external_numbers(
            self._ctx.account_id, self.counterparty.id, wanted
        )
        self._free_numbers |= wanted - taken.keys()
        return taken

    def warehouse(self, checks: Checks, code: object) -> Warehouse | None:
        key = code.strip() if isinstance(code, str) else ""
        problem = text_problem(key, "warehouse", CODE_LENGTH)
        if problem is not None:
            checks.add(problem)
            return None
        if key not in self._warehouses:
            found = self.uow.warehouses.by_code(self._ctx.account_id, key) if key else None
            self._warehouses[key] = found
            if found is not None:
                self.warehouses_by_id[found.id] = found
        found = self._warehouses[key]
        if found is None:
            checks.add(Problem(codes.Reference.UNKNOWN, "warehouse", code))
        return found

    def build(self, checks: Checks, draft: OrderDraft) -> DeliveryOrder | None:
        """The draft as a new order with the next number, or None after recording its
        problems in `checks` (a refused draft takes no number)."""
        checked = self.check(checks, draft)
        if checked is None:
            return None
        return self.make(checked, self.uow.orders.next_number(self._ctx.account_id))

    def check(self, checks: Checks, draft: OrderDraft) -> CheckedOrder | None:
        """Every field of the draft checked, or None after recording its problems in
        `checks`. A checked draft claims its external number among those looked up.
        A draft over the account's order limits is refused before any line is read."""
        oversize = self.limits.problems(len(draft.lines), len(draft.cargo))
        if oversize:
            checks.problems.extend(oversize)
            return None
        before = len(checks.problems)
        fields = order_fields(checks, draft)
        warehouse = self.warehouse(checks, draft.warehouse)
        if draft.lines:
            self.look_up_skus(line.sku for line in draft.lines)
        lines = resolve_lines(checks, draft.lines, self._items, self._foreign)
        external = fields.external_number
        if external is not None and external not in self._free_numbers:
            self.look_up_external_numbers([external])
            if external not in self._free_numbers:
                checks.add(Problem(codes.Reference.DUPLICATE, "external_number", external))
        if len(checks.problems) > before or warehouse is None:
            return None
        self._free_numbers.discard(external)
        return CheckedOrder(warehouse=warehouse, lines=lines, **attrs.asdict(fields, recurse=False))

    def make(self, checked: CheckedOrder, number: int) -> DeliveryOrder:
        """The checked draft as a new order numbered `number`."""
        return DeliveryOrder(
            id=self._ctx.new_id(),
            account_id=self._ctx.account_id,
            number=number,
            counterparty_id=self.counterparty.id,
            warehouse_id=checked.warehouse.id,
            lines=checked.lines,
            created_at=self._ctx.now(),
            recipient=checked.recipient,
            address=checked.address,
            comment=checked.comment,
            external_number=checked.external_number,
            phone=checked.phone,
            delivery_date=checked.delivery_date,
            cash_on_delivery=checked.cash_on_delivery,
            cargo=checked.cargo,
            zone=checked.zone,
        )


def _cargo(checks: Checks, draft: CargoDraft, field: str) -> Cargo:
    description = checks.text(
        draft.description, f"{field}.description", TEXT_LENGTH, multiline=True
    )
    places = draft.places
    if isinstance(places, bool) or not isinstance(places, int) or not 1 <= places <= 10**6:
        checks.add(
            Problem(codes.Value.INVALID, f"{field}.places", places, expect("whole_from", low=1))
        )
        places = 1
    weight = _optional(checks, _weight, draft.weight, f"{field}.weight")
    value = _optional(checks, numbers.money, draft.declared_value, f"{field}.declared_value")
    if not isinstance(draft.fragile, bool):
        checks.add(
            Problem(codes.Value.INVALID, f"{field}.fragile", draft.fragile, expect("yes_or_no"))
        )
    return Cargo(description, places, weight, value, draft.fragile is True)


def _weight(value: object, field: str) -> Decimal:
    return numbers.quantity(value, WEIGHT_SCALE, field)


def _optional(
    checks: Checks, parse: Callable[[object, str], Decimal], value: object, field: str
) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return checks.attempt(parse, value, field)
