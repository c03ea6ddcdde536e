"""Lines of documents and orders: drafts as typed by a user, resolved lines as stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from uuid import UUID

from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.checks import CODE_LENGTH, Checks, text_problem
from custody_core.domain.errors import Problem
from custody_core.domain.items import Item
from custody_core.domain.messages import Expected
from custody_core.domain.numbers import QUANTITY_SCALE


@frozen
class LineDraft:
    """A line as the user gave it: an item by SKU and a quantity not yet checked."""

    sku: str
    quantity: object


def line_drafts(lines: Iterable[LineDraft]) -> tuple[LineDraft, ...]:
    """attrs converter: drafts accept any iterable of lines and keep a tuple."""
    return tuple(lines)


@frozen
class Line:
    """A checked line: an item of the document's counterparty and a positive quantity."""

    item_id: UUID
    quantity: Decimal


def resolve_lines(
    checks: Checks,
    drafts: Sequence[LineDraft],
    items_by_sku: Mapping[str, Item] | None,
    foreign_skus: Mapping[str, Expected] | None = None,
) -> tuple[Line, ...]:
    """Check every draft line against the counterparty's items, recording each problem.

    `foreign_skus` maps SKUs that exist only for another counterparty to a
    description of the expected owner, so the error can say "belongs to
    another counterparty" instead of "unknown" where the caller may reveal it.
    `items_by_sku` None means the counterparty itself is unknown: no SKU can be
    looked up, yet each line's SKU text and quantity are still checked.
    """
    lines: list[Line] = []
    seen: set[str] = set()
    for index, draft in enumerate(drafts, start=1):
        field = f"lines[{index}]"
        item = _line_item(checks, draft.sku, f"{field}.sku", seen, items_by_sku, foreign_skus)
        # The quantity is checked whatever the SKU: an unknown item's at the finest scale.
        scale = QUANTITY_SCALE if item is None else item.unit.scale
        quantity = checks.quantity(draft.quantity, scale, f"{field}.quantity")
        if item is not None and quantity:
            lines.append(Line(item.id, quantity))
    return tuple(lines)


def _line_item(
    checks: Checks,
    sku: object,
    field: str,
    seen: set[str],
    items_by_sku: Mapping[str, Item] | None,
    foreign_skus: Mapping[str, Expected] | None,
) -> Item | None:
    """The item a line's SKU names, or None after recording why it names none (nothing
    more than its text's problem when there are no items to look it up among)."""
    sku = sku.strip() if isinstance(sku, str) else sku
    problem = text_problem(sku, field, CODE_LENGTH) if isinstance(sku, str) else None
    if problem is not None:
        checks.add(problem)
        return None
    if sku in seen:
        checks.add(Problem(codes.Lines.REPEATED, field, sku))
        return None
    if isinstance(sku, str):
        seen.add(sku)
    if items_by_sku is None:
        return None
    item = items_by_sku.get(sku) if isinstance(sku, str) else None
    if item is None:
        owner = (foreign_skus or {}).get(sku) if isinstance(sku, str) else None
        if owner is not None:
            checks.add(Problem(codes.Reference.FOREIGN, field, sku, owner))
        else:
            checks.add(Problem(codes.Reference.UNKNOWN, field, sku))
    return item
