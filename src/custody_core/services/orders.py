"""Delivery order use cases: create, edit, confirm, deliver (fully or partly), fail, cancel."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from uuid import UUID

from custody_core.domain import codes, conflicts
from custody_core.domain.checks import (
    CODE_LENGTH,
    Checks,
    bounded,
    is_reference,
    members,
    reference,
    text_problem,
    whole_number,
)
from custody_core.domain.errors import (
    NotFound,
    Problem,
    ValidationError,
)
from custody_core.domain.ledger import ZERO, DocumentKind
from custody_core.domain.lines import Line, LineDraft
from custody_core.domain.messages import expect
from custody_core.domain.orders import (
    FAILURE_REASONS,
    DeliveryOrder,
    OrderChange,
    OrderDraft,
    OrderState,
)
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.shipments import Shipment
from custody_core.ports.storage import OrderQuery, UnitOfWork
from custody_core.services.authorization import Action, authorize, require_visible
from custody_core.services.context import Context
from custody_core.services.drafting import draft_counterparty, draft_lines
from custody_core.services.order_building import OrderBuilder, check_without_counterparty
from custody_core.services.stock_moves import record_movements


def create_order(ctx: Context, draft: OrderDraft) -> DeliveryOrder:
    """Create a draft order; it reserves nothing until confirmed."""
    authorize(ctx.principal, Action.MANAGE_ORDERS)
    checks = Checks()
    with ctx.storage.unit_of_work() as uow:
        counterparty = draft_counterparty(ctx, uow, checks, draft.counterparty)
        if counterparty is None:
            order = None
            check_without_counterparty(ctx, uow, checks, draft)
        else:
            order = OrderBuilder(ctx, uow, counterparty).build(checks, draft)
        checks.done()
        assert order is not None
        uow.orders.add(order)
        ctx.commit(
            uow,
            "order.create",
            counterparty_id=order.counterparty_id,
            target=f"order {order.number}",
        )
    return order


def change_order(
    ctx: Context, number: int, change: OrderChange, expected_version: int | None = None
) -> DeliveryOrder:
    """Apply a change that needs no input (confirm, cancel) with its movements, atomically.

    `expected_version`, when given, must match the stored order: an edit made
    on a stale copy is refused with a Conflict instead of silently winning.
    """
    authorize(ctx.principal, Action.MANAGE_ORDERS)
    with ctx.storage.unit_of_work() as uow:
        order = _current_order(ctx, uow, number, expected_version)
        changed = apply_change(ctx, uow, order, change)
        _commit(ctx, uow, change, changed)
    return changed


def edit_order_lines(
    ctx: Context, number: int, lines: Sequence[LineDraft], expected_version: int | None = None
) -> DeliveryOrder:
    """Replace the cargo of an order; an order holding reserve reserves or releases the change."""
    authorize(ctx.principal, Action.MANAGE_ORDERS)
    if isinstance(lines, str) or not isinstance(lines, Sequence):
        raise ValidationError([Problem(codes.Value.INVALID, "lines", lines, expect("line_list"))])
    checks = Checks()
    with ctx.storage.unit_of_work() as uow:
        oversize = uow.settings.get(ctx.account_id).order_limits.problems(len(lines))
        if oversize:
            raise ValidationError(oversize)
        order = _current_order(ctx, uow, number, expected_version)
        counterparty = uow.counterparties.get(ctx.account_id, order.counterparty_id)
        assert counterparty is not None
        resolved = draft_lines(ctx, uow, checks, counterparty, lines)
        if not lines:
            checks.add(Problem(codes.Lines.EMPTY, "lines"))
        checks.done()
        changed = apply_change(ctx, uow, order, OrderChange.EDIT_LINES, lines=resolved)
        _commit(ctx, uow, OrderChange.EDIT_LINES, changed)
    return changed


def deliver_order(
    ctx: Context,
    number: int,
    refused: Mapping[str, object] | None = None,
    expected_version: int | None = None,
) -> tuple[DeliveryOrder, Shipment]:
    """Deliver an order and post its shipment (расходная накладная).

    `refused` maps SKUs to what the recipient did not take: only what was
    handed over is written off, the rest is released. Refusing everything is
    not a delivery; record a failed attempt instead.
    """
    authorize(ctx.principal, Action.DELIVER_ORDERS)
    if refused is not None and not isinstance(refused, Mapping):
        expected = expect("refused_quantities")
        raise ValidationError([Problem(codes.Value.INVALID, "refused", refused, expected)])
    bounded(refused or {}, "refused", ctx.max_list_length)
    with ctx.storage.unit_of_work() as uow:
        order = _current_order(ctx, uow, number, expected_version)
        order.next_state(OrderChange.DELIVER)  # judge the state before the refusals
        handed_over = _handed_over(ctx, uow, order, refused or {})
        change = (
            OrderChange.DELIVER if handed_over == order.lines else OrderChange.DELIVER_PARTIALLY
        )
        shipment_id = ctx.new_id()
        changed = apply_change(
            ctx,
            uow,
            order,
            change,
            document=(DocumentKind.SHIPMENT, shipment_id),
            handed_over=handed_over,
        )
        assert changed.closed_at is not None
        shipment = Shipment(
            id=shipment_id,
            account_id=ctx.account_id,
            number=uow.shipments.next_number(ctx.account_id),
            date=ctx.account(uow).business_date(changed.closed_at),
            order_id=order.id,
            order_number=order.number,
            counterparty_id=order.counterparty_id,
            warehouse_id=order.warehouse_id,
            lines=handed_over,
            refused=changed.refused(),
            posted_at=changed.closed_at,
            posted_by=ctx.principal.user,
            recipient=order.recipient,
            address=order.address,
        )
        uow.shipments.add(shipment)
        _commit(ctx, uow, change, changed)
    return changed, shipment


def fail_order(
    ctx: Context,
    number: int,
    reason: str,
    keep_reserve: bool | None = None,
    expected_version: int | None = None,
) -> DeliveryOrder:
    """Record a failed delivery attempt for a reason from `FAILURE_REASONS`.

    The order keeps its reserve for a new attempt, or releases it, as the
    reason says unless `keep_reserve` decides otherwise.
    """
    authorize(ctx.principal, Action.DELIVER_ORDERS)
    failure = FAILURE_REASONS.get(reference(reason, "reason"))
    if failure is None:
        raise ValidationError(
            [
                Problem(
                    codes.Reference.UNKNOWN,
                    "reason",
                    reason,
                    expect("reason", reasons=FAILURE_REASONS),
                )
            ]
        )
    if keep_reserve is not None and not isinstance(keep_reserve, bool):
        raise ValidationError(
            [Problem(codes.Value.INVALID, "keep_reserve", keep_reserve, expect("yes_or_no"))]
        )
    keeps = failure.keeps_reserve if keep_reserve is None else keep_reserve
    change = OrderChange.FAIL_KEEPING_RESERVE if keeps else OrderChange.FAIL_RELEASING_RESERVE
    with ctx.storage.unit_of_work() as uow:
        order = _current_order(ctx, uow, number, expected_version)
        changed = apply_change(ctx, uow, order, change, failure_reason=failure.code)
        _commit(ctx, uow, change, changed)
    return changed


def get_order(ctx: Context, number: int) -> DeliveryOrder:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return visible_order(ctx, uow, number)


def list_orders(
    ctx: Context,
    counterparty_code: str | None = None,
    states: Collection[OrderState | str] | None = None,
    warehouse_code: str | None = None,
    page: PageRequest | None = None,
) -> Page[DeliveryOrder]:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = None
        if counterparty_code is not None or ctx.principal.is_client:
            counterparty = ctx.counterparty(uow, counterparty_code)
        warehouse = None if warehouse_code is None else ctx.warehouse(uow, warehouse_code)
        query = OrderQuery(
            counterparty_id=counterparty.id if counterparty else None,
            warehouse_id=warehouse.id if warehouse else None,
            states=members(states, "states", OrderState),
        )
        return uow.orders.find(ctx.account_id, query, page or PageRequest())


def _commit(ctx: Context, uow: UnitOfWork, change: OrderChange, order: DeliveryOrder) -> None:
    ctx.commit(
        uow,
        f"order.{change.value}",
        counterparty_id=order.counterparty_id,
        target=f"order {order.number}",
    )


def visible_order(ctx: Context, uow: UnitOfWork, number: int) -> DeliveryOrder:
    """The order numbered `number`, NotFound if the principal may not see it.

    A client's lookup reads the order's counterparty first and nothing more of
    an order it may not see, so that one costs what a missing order does.
    """
    number = whole_number(number, "number")
    if ctx.principal.is_client:
        owner = uow.orders.counterparty_of(ctx.account_id, number)
        require_visible(ctx.principal, owner, "order", number)
    order = uow.orders.by_number(ctx.account_id, number)
    if order is None:
        raise NotFound(entity="order", key=number)
    return order


def _current_order(
    ctx: Context, uow: UnitOfWork, number: int, expected_version: int | None
) -> DeliveryOrder:
    if expected_version is not None:
        whole_number(expected_version, "expected_version")
    order = visible_order(ctx, uow, number)
    if expected_version is not None and order.version != expected_version:
        raise conflicts.stale_version(number, order.version, expected_version)
    return order


def apply_change(
    ctx: Context,
    uow: UnitOfWork,
    order: DeliveryOrder,
    change: OrderChange,
    *,
    document: tuple[DocumentKind, UUID] | None = None,
    lines: tuple[Line, ...] | None = None,
    handed_over: tuple[Line, ...] = (),
    failure_reason: str | None = None,
) -> DeliveryOrder:
    """Change the order now and record its movements and new version in `uow`."""
    now = ctx.now()
    changed, movements = order.change(
        change,
        now,
        ctx.account(uow).business_date(now),
        document=document,
        lines=lines,
        handed_over=handed_over,
        failure_reason=failure_reason,
    )
    record_movements(uow, ctx.account_id, movements)
    uow.orders.save(changed, order)
    return changed


def _handed_over(
    ctx: Context, uow: UnitOfWork, order: DeliveryOrder, refused: Mapping[str, object]
) -> tuple[Line, ...]:
    """The order's lines less what the recipient refused, checked line by line."""
    checks = Checks()
    items = {
        item.sku: item
        for item in uow.items.by_skus(
            ctx.account_id, [sku for sku in refused if is_reference(sku)], order.counterparty_id
        )
    }
    ordered = {line.item_id: line.quantity for line in order.lines}
    taken_back: dict[UUID, Decimal] = {}
    for sku, value in refused.items():
        problem = text_problem(sku, "refused", CODE_LENGTH) if isinstance(sku, str) else None
        if problem is not None:  # the field cannot name it: it would show it
            checks.add(problem)
            continue
        field = f"refused[{sku}]"
        item = items.get(sku)
        if item is None or item.id not in ordered:
            checks.add(Problem(codes.Reference.UNKNOWN, field, sku, expect("order_sku")))
            continue
        quantity = checks.quantity(value, item.unit.scale, field)
        if quantity > ordered[item.id]:
            checks.add(
                Problem(
                    codes.Quantity.TOO_LARGE,
                    field,
                    value,
                    expect("at_most", limit=ordered[item.id]),
                )
            )
        taken_back[item.id] = quantity
    rest = (
        Line(line.item_id, line.quantity - taken_back.get(line.item_id, ZERO))
        for line in order.lines
    )
    handed_over = tuple(line for line in rest if line.quantity > 0)
    if not handed_over and not checks.problems:
        checks.add(Problem(codes.Delivery.NOTHING_HANDED_OVER, "refused"))
    checks.done()
    return handed_over
