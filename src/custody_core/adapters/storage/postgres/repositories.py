"""PostgreSQL repositories of reference data and the ledger. Every query is scoped by account."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from uuid import UUID

from custody_core.adapters.storage.cursors import dated_sequence_cursor, number_cursor, paged
from custody_core.adapters.storage.postgres.base import (
    Connection,
    Repository,
    Row,
    Where,
    lock_key,
    lock_keys,
)
from custody_core.adapters.storage.postgres.codec import instant_out, quantity_out
from custody_core.domain.items import Item
from custody_core.domain.ledger import (
    Balance,
    DocumentKind,
    Movement,
    MovementKind,
    MovementTotal,
    StockKey,
)
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.units import UnitOfMeasure
from custody_core.ports.storage import MovementQuery


class Accounts(Repository):
    _SELECT = "SELECT id, code, name, time_zone FROM accounts"

    def add(self, account: Account) -> None:
        self._db.execute(
            "INSERT INTO accounts (id, code, name, time_zone) VALUES (%s, %s, %s, %s)",
            (account.id, account.code, account.name, account.time_zone),
        )

    def get(self, account_id: UUID) -> Account | None:
        row = self._one(f"{self._SELECT} WHERE id = %s", account_id)
        return None if row is None else Account(*row)

    def by_code(self, code: str) -> Account | None:
        row = self._one(f"{self._SELECT} WHERE code = %s", code)
        return None if row is None else Account(*row)


class Counterparties(Repository):
    _SELECT = "SELECT id, account_id, code, name, phone, inn FROM counterparties"

    def add(self, counterparty: Counterparty) -> None:
        c = counterparty
        self._db.execute(
            "INSERT INTO counterparties (id, account_id, code, name, phone, inn)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (c.id, c.account_id, c.code, c.name, c.phone, c.inn),
        )

    def get(self, account_id: UUID, counterparty_id: UUID) -> Counterparty | None:
        row = self._one(
            f"{self._SELECT} WHERE account_id = %s AND id = %s", account_id, counterparty_id
        )
        return None if row is None else Counterparty(*row)

    def by_code(self, account_id: UUID, code: str) -> Counterparty | None:
        row = self._one(f"{self._SELECT} WHERE account_id = %s AND code = %s", account_id, code)
        return None if row is None else Counterparty(*row)

    def find_all(self, account_id: UUID) -> list[Counterparty]:
        rows = self._all(f"{self._SELECT} WHERE account_id = %s ORDER BY code", account_id)
        return [Counterparty(*row) for row in rows]


class Contracts(Repository):
    def add(self, contract: Contract) -> None:
        c = contract
        self._db.execute(
            "INSERT INTO contracts (id, account_id, counterparty_id, number, signed_on, is_main)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (c.id, c.account_id, c.counterparty_id, c.number, c.signed_on, c.is_main),
        )

    def save(self, contract: Contract) -> None:
        self._db.execute(
            "UPDATE contracts SET is_main = %s WHERE account_id = %s AND id = %s",
            (contract.is_main, contract.account_id, contract.id),
        )

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Contract]:
        rows = self._all(
            "SELECT id, account_id, counterparty_id, number, signed_on, is_main FROM contracts"
            " WHERE account_id = %s AND counterparty_id = %s ORDER BY number",
            account_id,
            counterparty_id,
        )
        return [Contract(*row) for row in rows]


class Warehouses(Repository):
    _SELECT = "SELECT id, account_id, code, name FROM warehouses"

    def add(self, warehouse: Warehouse) -> None:
        w = warehouse
        self._db.execute(
            "INSERT INTO warehouses (id, account_id, code, name) VALUES (%s, %s, %s, %s)",
            (w.id, w.account_id, w.code, w.name),
        )

    def get(self, account_id: UUID, warehouse_id: UUID) -> Warehouse | None:
        row = self._one(
            f"{self._SELECT} WHERE account_id = %s AND id = %s", account_id, warehouse_id
        )
        return None if row is None else Warehouse(*row)

    def by_code(self, account_id: UUID, code: str) -> Warehouse | None:
        row = self._one(f"{self._SELECT} WHERE account_id = %s AND code = %s", account_id, code)
        return None if row is None else Warehouse(*row)

    def find_all(self, account_id: UUID) -> list[Warehouse]:
        rows = self._all(f"{self._SELECT} WHERE account_id = %s ORDER BY code", account_id)
        return [Warehouse(*row) for row in rows]


class Items(Repository):
    _SELECT = (
        "SELECT id, account_id, counterparty_id, sku, name, unit_code, unit_name, unit_scale,"
        " unit_okei, declared_value FROM items"
    )

    def add(self, item: Item) -> None:
        i, unit = item, item.unit
        self._db.execute(
            "INSERT INTO items (id, account_id, counterparty_id, sku, name, unit_code, unit_name,"
            " unit_scale, unit_okei, declared_value)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                i.id,
                i.account_id,
                i.counterparty_id,
                i.sku,
                i.name,
                unit.code,
                unit.name,
                unit.scale,
                unit.okei,
                i.declared_value,
            ),
        )

    def get(self, account_id: UUID, item_id: UUID) -> Item | None:
        row = self._one(f"{self._SELECT} WHERE account_id = %s AND id = %s", account_id, item_id)
        return None if row is None else _item(row)

    def by_skus(
        self, account_id: UUID, skus: Collection[str], counterparty_id: UUID | None = None
    ) -> list[Item]:
        if not skus:
            return []
        where = (
            Where()
            .add("account_id = %s", account_id)
            .among("sku", skus)
            .equal("counterparty_id", counterparty_id)
        )
        rows = self._all(f"{self._SELECT} WHERE {where} ORDER BY sku", *where.params)
        return [_item(row) for row in rows]

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Item]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = %s AND counterparty_id = %s ORDER BY sku",
            account_id,
            counterparty_id,
        )
        return [_item(row) for row in rows]


def _item(row: Row) -> Item:
    id_, account_id, counterparty_id, sku, name, u_code, u_name, u_scale, u_okei, value = row
    unit = UnitOfMeasure(u_code, u_name, u_scale, u_okei)
    return Item(id_, account_id, counterparty_id, sku, name, unit, value)


class Ledger(Repository):
    _MOVEMENT = (
        "SELECT m.seq, m.counterparty_id, m.warehouse_id, m.item_id, m.kind, m.quantity,"
        " m.document_kind, m.document_id, m.order_id, m.occurred_on, m.posted_at, i.unit_scale"
        " FROM movements m JOIN items i ON i.id = m.item_id"
    )

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        #: Counterparties whose stock this unit of work holds whole (`lock_counterparty`):
        #: no other writer can reach their balances, which need no lock of their own then.
        self._held: set[tuple[UUID, UUID]] = set()

    def balances(self, account_id: UUID, keys: Collection[StockKey]) -> dict[StockKey, Balance]:
        """The balances of `keys`, locked until the unit of work ends.

        The rows that exist are locked FOR UPDATE; an advisory lock per key also
        covers a balance that has no row yet, so two first receipts of one item
        cannot both start from nothing. First, the counterparties' stock locks are
        taken shared: a writer holding one exclusively (`lock_counterparty`) is
        waited for. The stock of a counterparty held whole needs neither: a registry
        of thousands of items takes one lock, not one per item.
        """
        wanted = [key for key in keys if key.account_id == account_id]
        if not wanted:
            return {}
        loose = [key for key in wanted if (account_id, key.counterparty_id) not in self._held]
        if loose and self._locking:
            counterparties = {key.counterparty_id for key in loose}
            lock_keys(self._db, (_stock_lock(account_id, c) for c in counterparties), shared=True)
            lock_keys(self._db, (lock_key("balance", *_parts(key)) for key in loose))
        rows = self._all(
            "SELECT b.counterparty_id, b.warehouse_id, b.item_id, b.on_hand, b.reserved,"
            " i.unit_scale FROM balances b JOIN items i ON i.id = b.item_id"
            " JOIN unnest(%s::uuid[], %s::uuid[], %s::uuid[]) AS k (counterparty_id,"
            " warehouse_id, item_id) ON (k.counterparty_id, k.warehouse_id, k.item_id)"
            " = (b.counterparty_id, b.warehouse_id, b.item_id)"
            f" WHERE b.account_id = %s {'FOR UPDATE OF b' if self._locking else ''}",
            [key.counterparty_id for key in wanted],
            [key.warehouse_id for key in wanted],
            [key.item_id for key in wanted],
            account_id,
        )
        return {balance.key: balance for balance in (_balance(account_id, row) for row in rows)}

    def append(self, movements: Sequence[Movement], balances: Iterable[Balance]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO movements (account_id, counterparty_id, warehouse_id, item_id, kind,"
                " quantity, document_kind, document_id, order_id, occurred_on, posted_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        *_parts(m.key),
                        m.kind.value,
                        m.quantity,
                        m.document_kind.value,
                        m.document_id,
                        m.order_id,
                        m.occurred_on,
                        m.posted_at,
                    )
                    for m in movements
                ],
            )
            cursor.executemany(
                "INSERT INTO balances (account_id, counterparty_id, warehouse_id, item_id,"
                " on_hand, reserved) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (account_id, counterparty_id, warehouse_id, item_id) DO UPDATE"
                " SET on_hand = excluded.on_hand, reserved = excluded.reserved",
                [(*_parts(b.key), b.on_hand, b.reserved) for b in balances],
            )

    def lock_counterparty(self, account_id: UUID, counterparty_id: UUID) -> None:
        lock_keys(self._db, [_stock_lock(account_id, counterparty_id)])
        self._held.add((account_id, counterparty_id))

    def counterparty_balances(self, account_id: UUID, counterparty_id: UUID) -> list[Balance]:
        rows = self._all(
            "SELECT b.counterparty_id, b.warehouse_id, b.item_id, b.on_hand, b.reserved,"
            " i.unit_scale FROM balances b JOIN items i ON i.id = b.item_id"
            " WHERE b.account_id = %s AND b.counterparty_id = %s",
            account_id,
            counterparty_id,
        )
        return [_balance(account_id, row) for row in rows]

    def movements(self, account_id: UUID) -> Iterator[Movement]:
        rows = self._all(f"{self._MOVEMENT} WHERE m.account_id = %s ORDER BY m.seq", account_id)
        return (_movement(account_id, row) for row in rows)

    def totals(
        self,
        account_id: UUID,
        counterparty_id: UUID | None,
        after: date | None,
        through: date,
        posted_before: datetime | None = None,
    ) -> list[MovementTotal]:
        """Summed in NUMERIC by the server; every counterparty is asked for by its id, so
        that even all of them are read off the movements_by_date index."""
        counterparties, scope = (
            ("= ANY(ARRAY(SELECT id FROM counterparties WHERE account_id = %s))", account_id)
            if counterparty_id is None
            else ("= %s", counterparty_id)
        )
        where = (
            Where()
            .add("account_id = %s", account_id)
            .add(f"counterparty_id {counterparties}", scope)
            .add("occurred_on <= %s", through)
        )
        if after is not None:
            where.add("occurred_on > %s", after)
        if posted_before is not None:
            where.add("posted_at < %s", posted_before)
        rows = self._all(
            "SELECT t.counterparty_id, t.warehouse_id, t.item_id, t.kind, t.order_id, t.quantity,"
            " i.unit_scale FROM (SELECT counterparty_id, warehouse_id, item_id, kind, order_id,"
            f" sum(quantity) AS quantity FROM movements WHERE {where}"
            " GROUP BY counterparty_id, warehouse_id, item_id, kind, order_id) t"
            " JOIN items i ON i.id = t.item_id",
            *where.params,
        )
        return [
            MovementTotal(
                StockKey(account_id, cp, wh, item),
                MovementKind(kind),
                quantity_out(quantity, scale),
                order_id,
            )
            for cp, wh, item, kind, order_id, quantity, scale in rows
        ]

    def first_date(self, account_id: UUID) -> date | None:
        """Per counterparty, so that each minimum is read off the movements_by_date index."""
        row = self._one(
            "SELECT min((SELECT min(occurred_on) FROM movements m"
            " WHERE m.account_id = c.account_id AND m.counterparty_id = c.id))"
            " FROM counterparties c WHERE c.account_id = %s",
            account_id,
        )
        return None if row is None else row[0]

    def find(self, account_id: UUID, query: MovementQuery, page: PageRequest) -> Page[Movement]:
        where = (
            Where()
            .add("m.account_id = %s", account_id)
            .equal("m.counterparty_id", query.counterparty_id)
            .equal("m.warehouse_id", query.warehouse_id)
            .equal("m.item_id", query.item_id)
            .equal("m.document_id", query.document_id)
            .equal("m.order_id", query.order_id)
            .among("m.kind", None if query.kinds is None else (kind.value for kind in query.kinds))
            .within("m.occurred_on", query.date_from, query.date_to)
        )
        if query.posting_order:
            order, cursor = "m.seq", _sequence_of
            if page.after is not None:
                where.add("m.seq > %s", number_cursor(page.after))
        else:
            order, cursor = "m.occurred_on, m.seq", _dated_sequence_of
            if page.after is not None:
                day, seq = dated_sequence_cursor(page.after)
                where.add("(m.occurred_on, m.seq) > (%s::date, %s)", day, seq)
        rows = self._all(
            f"{self._MOVEMENT} WHERE {where} ORDER BY {order} LIMIT %s",
            *where.params,
            page.limit + 1,
        )
        found = paged(rows, page, cursor)
        return Page(tuple(_movement(account_id, row) for row in found), found.next_after)


def _sequence_of(row: Row) -> str:
    """The cursor of a movement in append order: its sequence."""
    return str(row[0])


def _dated_sequence_of(row: Row) -> str:
    """The cursor of a movement by date: its business date and sequence."""
    return f"{row[9].isoformat()}|{row[0]}"


def _stock_lock(account_id: UUID, counterparty_id: UUID) -> int:
    """The advisory lock of all of a counterparty's stock: shared by every writer of a
    balance, exclusive for `lock_counterparty`. One lock, however many items there are."""
    return lock_key("stock", account_id, counterparty_id)


def _parts(key: StockKey) -> tuple[UUID, UUID, UUID, UUID]:
    return key.account_id, key.counterparty_id, key.warehouse_id, key.item_id


def _balance(account_id: UUID, row: Row) -> Balance:
    counterparty, warehouse, item, on_hand, reserved, scale = row
    return Balance(
        StockKey(account_id, counterparty, warehouse, item),
        quantity_out(on_hand, scale),
        quantity_out(reserved, scale),
    )


def _movement(account_id: UUID, row: Row) -> Movement:
    _seq, cp, wh, item, kind, qty, doc_kind, doc_id, order_id, on, at, scale = row
    return Movement(
        key=StockKey(account_id, cp, wh, item),
        kind=MovementKind(kind),
        quantity=quantity_out(qty, scale),
        document_kind=DocumentKind(doc_kind),
        document_id=doc_id,
        occurred_on=on,
        posted_at=instant_out(at),
        order_id=order_id,
    )
