"""Hypothesis strategies for the domain types.

Nothing is registered on import: call `register_type_strategies()` to make
`st.from_type` use these (it ignores attrs validators otherwise, and would
build units with a negative scale).
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st

from custody_core.domain.items import Item
from custody_core.domain.lines import LineDraft
from custody_core.domain.numbers import QUANTITY_SCALE
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.principal import Principal, Role
from custody_core.domain.units import UnitOfMeasure

_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"


def codes(max_size: int = 12) -> st.SearchStrategy[str]:
    """Codes and SKUs as people type them: letters, digits and dashes, never blank."""
    return st.text(_CODE_ALPHABET, min_size=1, max_size=max_size).filter(lambda s: s.strip("-"))


def names() -> st.SearchStrategy[str]:
    return st.text(
        st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), min_size=1, max_size=40
    ).filter(str.strip)


def units() -> st.SearchStrategy[UnitOfMeasure]:
    return st.builds(
        UnitOfMeasure,
        code=codes(3),
        name=names(),
        scale=st.integers(0, QUANTITY_SCALE),
        okei=st.from_regex(r"\A\d{3}\Z"),
    )


def quantities(scale: int, max_value: int | Decimal = 10_000) -> st.SearchStrategy[Decimal]:
    """Positive quantities with at most `scale` decimal places, up to `max_value`."""
    step = Decimal(1).scaleb(-scale)
    return st.integers(1, int(max_value * 10**scale)).map(lambda count: count * step)


def money() -> st.SearchStrategy[Decimal]:
    return st.integers(0, 10**9).map(lambda kopecks: Decimal(kopecks).scaleb(-2))


def accounts() -> st.SearchStrategy[Account]:
    return st.builds(Account, id=st.uuids(), code=codes(), name=names())


def counterparties(account_id: UUID | None = None) -> st.SearchStrategy[Counterparty]:
    return st.builds(
        Counterparty,
        id=st.uuids(),
        account_id=st.just(account_id) if account_id else st.uuids(),
        code=codes(),
        name=names(),
        phone=st.none() | st.from_regex(r"\A\+7\d{10}\Z"),
        inn=st.none() | st.from_regex(r"\A\d{10}\Z"),
    )


def contracts() -> st.SearchStrategy[Contract]:
    return st.builds(
        Contract, id=st.uuids(), account_id=st.uuids(), counterparty_id=st.uuids(), number=codes()
    )


def warehouses() -> st.SearchStrategy[Warehouse]:
    return st.builds(Warehouse, id=st.uuids(), account_id=st.uuids(), code=codes(), name=names())


def items() -> st.SearchStrategy[Item]:
    return st.builds(
        Item,
        id=st.uuids(),
        account_id=st.uuids(),
        counterparty_id=st.uuids(),
        sku=codes(),
        name=names(),
        unit=units(),
        declared_value=money(),
    )


def principals(account_id: UUID | None = None) -> st.SearchStrategy[Principal]:
    """Coherent principals: staff with one or both staff roles, or a client of a counterparty."""
    account = st.just(account_id) if account_id else st.uuids()
    staff_roles = st.sets(st.sampled_from([Role.ADMINISTRATOR, Role.MANAGER]), min_size=1)
    staff = st.builds(Principal, user=codes(), account_id=account, roles=staff_roles)
    clients = st.builds(
        Principal.client, account_id=account, user=codes(), counterparty_id=st.uuids()
    )
    return staff | clients


def line_drafts(skus: st.SearchStrategy[str], scale: int = 0) -> st.SearchStrategy[LineDraft]:
    return st.builds(LineDraft, sku=skus, quantity=quantities(scale))


def register_type_strategies() -> None:
    """Make `st.from_type` build valid domain objects (call once, e.g. in conftest.py)."""
    st.register_type_strategy(UnitOfMeasure, units())
    st.register_type_strategy(Account, accounts())
    st.register_type_strategy(Counterparty, counterparties())
    st.register_type_strategy(Contract, contracts())
    st.register_type_strategy(Warehouse, warehouses())
    st.register_type_strategy(Item, items())
    st.register_type_strategy(Principal, principals())
