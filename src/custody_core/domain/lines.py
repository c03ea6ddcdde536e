"""Lines of documents and orders: drafts as typed by a user, resolved lines as stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from uuid import UUID

from attrs import frozen

from custody_core.domain.checks import CODE_LENGTH, Checks, text_problem
from custody_core.domain.errors import Problem
from custody_core.domain.items import Item


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
    items_by_sku: Mapping[str, Item],
    foreign_skus: Mapping[str, str] | None = None,
) -> tuple[Line, ...]:
    """Check every draft line against the counterparty's items, recording each problem.

    `foreign_skus` maps SKUs that exist only for another counterparty to a
    description of the expected owner, so the error can say "belongs to
    another counterparty" instead of "unknown" where the caller may reveal it.
    """
    lines: list[Line] = []
    seen: set[str] = set()
    for index, draft in enumerate(drafts, start=1):
        field = f"lines[{index}]"
        sku = draft.sku.strip() if isinstance(draft.sku, str) else draft.sku
        problem = text_problem(sku, f"{field}.sku", CODE_LENGTH) if isinstance(sku, str) else None
        if problem is not None:
            checks.add(problem)
            continue
        if sku in seen:
            checks.add(Problem("lines.repeated", f"{field}.sku", sku))
            continue
        seen.add(sku)
        item = items_by_sku.get(sku)
        if item is None:
            owner = (foreign_skus or {}).get(sku)
            if owner is not None:
                checks.add(Problem("reference.foreign", f"{field}.sku", sku, owner))
            else:
                checks.add(Problem("reference.unknown", f"{field}.sku", sku))
            continue
        quantity = checks.quantity(draft.quantity, item.unit.scale, f"{field}.quantity")
        if quantity:
            lines.append(Line(item.id, quantity))
    return tuple(lines)
