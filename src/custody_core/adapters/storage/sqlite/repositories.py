"""SQLite repositories: SQL in, domain objects out. Every query is scoped by account."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from uuid import UUID

from custody_core.adapters.storage.sqlite.codec import (
    day_in,
    day_out,
    instant_in,
    instant_out,
    money_in,
    money_out,
    optional_instant_out,
    quantity_in,
    quantity_out,
    uid,
)
from custody_core.domain.errors import Conflict, DuplicateDocument
from custody_core.domain.items import Item
from custody_core.domain.ledger import Balance, DocumentKind, Movement, MovementKind, StockKey
from custody_core.domain.lines import Line
from custody_core.domain.orders import DeliveryOrder, OrderState
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.receipts import Receipt
from custody_core.domain.units import UnitOfMeasure

Row = tuple[object, ...]


class _Repository:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def _one(self, sql: str, *params: object) -> Row | None:
        row: Row | None = self._db.execute(sql, params).fetchone()
        return row

    def _all(self, sql: str, *params: object) -> list[Row]:
        return list(self._db.execute(sql, params).fetchall())


def _marks(values: Collection[object]) -> str:
    return ", ".join("?" * len(values))


class Accounts(_Repository):
    _SELECT = "SELECT id, code, name, time_zone FROM accounts"

    def add(self, account: Account) -> None:
        self._db.execute(
            "INSERT INTO accounts (id, code, name, time_zone) VALUES (?, ?, ?, ?)",
            (uid(account.id), account.code, account.name, account.time_zone),
        )

    def get(self, account_id: UUID) -> Account | None:
        return _account(self._one(f"{self._SELECT} WHERE id = ?", uid(account_id)))

    def by_code(self, code: str) -> Account | None:
        return _account(self._one(f"{self._SELECT} WHERE code = ?", code))


def _account(row: Row | None) -> Account | None:
    if row is None:
        return None
    id_, code, name, time_zone = row
    return Account(UUID(str(id_)), str(code), str(name), str(time_zone))


class Counterparties(_Repository):
    _SELECT = "SELECT id, account_id, code, name, phone, inn FROM counterparties"

    def add(self, counterparty: Counterparty) -> None:
        c = counterparty
        self._db.execute(
            "INSERT INTO counterparties (id, account_id, code, name, phone, inn)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (uid(c.id), uid(c.account_id), c.code, c.name, c.phone, c.inn),
        )

    def get(self, account_id: UUID, counterparty_id: UUID) -> Counterparty | None:
        row = self._one(
            f"{self._SELECT} WHERE account_id = ? AND id = ?", uid(account_id), uid(counterparty_id)
        )
        return None if row is None else _counterparty(row)

    def by_code(self, account_id: UUID, code: str) -> Counterparty | None:
        row = self._one(f"{self._SELECT} WHERE account_id = ? AND code = ?", uid(account_id), code)
        return None if row is None else _counterparty(row)

    def find_all(self, account_id: UUID) -> list[Counterparty]:
        rows = self._all(f"{self._SELECT} WHERE account_id = ? ORDER BY code", uid(account_id))
        return [_counterparty(row) for row in rows]


def _counterparty(row: Row) -> Counterparty:
    id_, account_id, code, name, phone, inn = row
    return Counterparty(
        UUID(str(id_)),
        UUID(str(account_id)),
        str(code),
        str(name),
        None if phone is None else str(phone),
        None if inn is None else str(inn),
    )


class Contracts(_Repository):
    def add(self, contract: Contract) -> None:
        c = contract
        self._db.execute(
            "INSERT INTO contracts (id, account_id, counterparty_id, number, signed_on, is_main)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                uid(c.id),
                uid(c.account_id),
                uid(c.counterparty_id),
                c.number,
                None if c.signed_on is None else day_in(c.signed_on),
                int(c.is_main),
            ),
        )

    def save(self, contract: Contract) -> None:
        self._db.execute(
            "UPDATE contracts SET is_main = ? WHERE account_id = ? AND id = ?",
            (int(contract.is_main), uid(contract.account_id), uid(contract.id)),
        )

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Contract]:
        rows = self._all(
            "SELECT id, account_id, counterparty_id, number, signed_on, is_main FROM contracts"
            " WHERE account_id = ? AND counterparty_id = ? ORDER BY number",
            uid(account_id),
            uid(counterparty_id),
        )
        return [
            Contract(
                UUID(str(id_)),
                UUID(str(account)),
                UUID(str(counterparty)),
                str(number),
                None if signed_on is None else day_out(str(signed_on)),
                bool(is_main),
            )
            for id_, account, counterparty, number, signed_on, is_main in rows
        ]


class Warehouses(_Repository):
    _SELECT = "SELECT id, account_id, code, name FROM warehouses"

    def add(self, warehouse: Warehouse) -> None:
        w = warehouse
        self._db.execute(
            "INSERT INTO warehouses (id, account_id, code, name) VALUES (?, ?, ?, ?)",
            (uid(w.id), uid(w.account_id), w.code, w.name),
        )

    def get(self, account_id: UUID, warehouse_id: UUID) -> Warehouse | None:
        row = self._one(
            f"{self._SELECT} WHERE account_id = ? AND id = ?", uid(account_id), uid(warehouse_id)
        )
        return None if row is None else _warehouse(row)

    def by_code(self, account_id: UUID, code: str) -> Warehouse | None:
        row = self._one(f"{self._SELECT} WHERE account_id = ? AND code = ?", uid(account_id), code)
        return None if row is None else _warehouse(row)

    def find_all(self, account_id: UUID) -> list[Warehouse]:
        rows = self._all(f"{self._SELECT} WHERE account_id = ? ORDER BY code", uid(account_id))
        return [_warehouse(row) for row in rows]


def _warehouse(row: Row) -> Warehouse:
    id_, account_id, code, name = row
    return Warehouse(UUID(str(id_)), UUID(str(account_id)), str(code), str(name))


class Items(_Repository):
    _SELECT = (
        "SELECT id, account_id, counterparty_id, sku, name, unit_code, unit_name, unit_scale,"
        " unit_okei, declared_value FROM items"
    )

    def add(self, item: Item) -> None:
        i, unit = item, item.unit
        self._db.execute(
            "INSERT INTO items (id, account_id, counterparty_id, sku, name, unit_code, unit_name,"
            " unit_scale, unit_okei, declared_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid(i.id),
                uid(i.account_id),
                uid(i.counterparty_id),
                i.sku,
                i.name,
                unit.code,
                unit.name,
                unit.scale,
                unit.okei,
                money_in(i.declared_value),
            ),
        )

    def get(self, account_id: UUID, item_id: UUID) -> Item | None:
        row = self._one(
            f"{self._SELECT} WHERE account_id = ? AND id = ?", uid(account_id), uid(item_id)
        )
        return None if row is None else _item(row)

    def by_skus(
        self, account_id: UUID, skus: Collection[str], counterparty_id: UUID | None = None
    ) -> list[Item]:
        wanted = sorted(skus)
        if not wanted:
            return []
        sql = f"{self._SELECT} WHERE account_id = ? AND sku IN ({_marks(wanted)})"
        params: list[object] = [uid(account_id), *wanted]
        if counterparty_id is not None:
            sql += " AND counterparty_id = ?"
            params.append(uid(counterparty_id))
        return [_item(row) for row in self._all(sql + " ORDER BY sku", *params)]

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Item]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = ? AND counterparty_id = ? ORDER BY sku",
            uid(account_id),
            uid(counterparty_id),
        )
        return [_item(row) for row in rows]


def _item(row: Row) -> Item:
    id_, account_id, counterparty_id, sku, name, u_code, u_name, u_scale, u_okei, value = row
    unit = UnitOfMeasure(str(u_code), str(u_name), int(str(u_scale)), str(u_okei))
    return Item(
        UUID(str(id_)),
        UUID(str(account_id)),
        UUID(str(counterparty_id)),
        str(sku),
        str(name),
        unit,
        money_out(int(str(value))),
    )


class Ledger(_Repository):
    def balances(self, account_id: UUID, keys: Collection[StockKey]) -> dict[StockKey, Balance]:
        found = {}
        for key in keys:
            if key.account_id != account_id:
                continue
            row = self._one(
                "SELECT on_hand, reserved, unit_scale FROM balances b"
                " JOIN items i ON i.id = b.item_id"
                " WHERE b.account_id = ? AND b.counterparty_id = ? AND b.warehouse_id = ?"
                " AND b.item_id = ?",
                *_key(key),
            )
            if row is not None:
                on_hand, reserved, scale = (int(str(value)) for value in row)
                found[key] = Balance(
                    key, quantity_out(on_hand, scale), quantity_out(reserved, scale)
                )
        return found

    def append(self, movements: Sequence[Movement], balances: Iterable[Balance]) -> None:
        self._db.executemany(
            "INSERT INTO movements (account_id, counterparty_id, warehouse_id, item_id, kind,"
            " quantity, document_kind, document_id, order_id, occurred_on, posted_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    *_key(m.key),
                    m.kind.value,
                    quantity_in(m.quantity),
                    m.document_kind.value,
                    uid(m.document_id),
                    None if m.order_id is None else uid(m.order_id),
                    day_in(m.occurred_on),
                    instant_in(m.posted_at),
                )
                for m in movements
            ],
        )
        self._db.executemany(
            "INSERT INTO balances (account_id, counterparty_id, warehouse_id, item_id, on_hand,"
            " reserved) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
            " SET on_hand = excluded.on_hand, reserved = excluded.reserved",
            [(*_key(b.key), quantity_in(b.on_hand), quantity_in(b.reserved)) for b in balances],
        )

    def counterparty_balances(self, account_id: UUID, counterparty_id: UUID) -> list[Balance]:
        rows = self._all(
            "SELECT warehouse_id, b.item_id, on_hand, reserved, i.unit_scale FROM balances b"
            " JOIN items i ON i.id = b.item_id"
            " WHERE b.account_id = ? AND b.counterparty_id = ?",
            uid(account_id),
            uid(counterparty_id),
        )
        return [
            Balance(
                StockKey(account_id, counterparty_id, UUID(str(warehouse)), UUID(str(item))),
                quantity_out(int(str(on_hand)), int(str(scale))),
                quantity_out(int(str(reserved)), int(str(scale))),
            )
            for warehouse, item, on_hand, reserved, scale in rows
        ]

    def movements(self, account_id: UUID) -> Iterator[Movement]:
        cursor = self._db.execute(
            "SELECT m.counterparty_id, warehouse_id, item_id, kind, quantity, document_kind,"
            " document_id, order_id, occurred_on, posted_at, unit_scale FROM movements m"
            " JOIN items i ON i.id = m.item_id WHERE m.account_id = ? ORDER BY seq",
            (uid(account_id),),
        )
        for cp, wh, item, kind, qty, doc_kind, doc_id, order_id, on, at, scale in cursor:
            yield Movement(
                key=StockKey(account_id, UUID(cp), UUID(wh), UUID(item)),
                kind=MovementKind(kind),
                quantity=quantity_out(qty, scale),
                document_kind=DocumentKind(doc_kind),
                document_id=UUID(doc_id),
                occurred_on=day_out(on),
                posted_at=instant_out(at),
                order_id=None if order_id is None else UUID(order_id),
            )


def _key(key: StockKey) -> tuple[str, str, str, str]:
    return uid(key.account_id), uid(key.counterparty_id), uid(key.warehouse_id), uid(key.item_id)


class Receipts(_Repository):
    _SELECT = (
        "SELECT d.id, d.account_id, d.number, d.document_date, d.counterparty_id, d.contract_id,"
        " d.warehouse_id, d.posted_at, d.posted_by FROM documents d"
    )

    def add(self, receipt: Receipt) -> None:
        r = receipt
        try:
            self._db.execute(
                "INSERT INTO documents (id, account_id, kind, counterparty_id, contract_id,"
                " warehouse_id, number, document_date, document_year, posted_at, posted_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid(r.id),
                    uid(r.account_id),
                    r.kind.value,
                    uid(r.counterparty_id),
                    uid(r.contract_id),
                    uid(r.warehouse_id),
                    r.number,
                    day_in(r.date),
                    r.year,
                    instant_in(r.posted_at),
                    r.posted_by,
                ),
            )
        except sqlite3.IntegrityError as error:
            if "documents." not in str(error) or "UNIQUE" not in str(error):
                raise
            raise DuplicateDocument(
                kind=r.kind.value, number=r.number, year=r.year, counterparty=str(r.counterparty_id)
            ) from None
        _insert_lines(self._db, "document_lines", "document_id", r.id, r.lines)

    def get(self, account_id: UUID, receipt_id: UUID) -> Receipt | None:
        rows = self._receipts("d.id = ?", uid(account_id), uid(receipt_id))
        return rows[0] if rows else None

    def find(
        self, account_id: UUID, counterparty_id: UUID, number: str, year: int
    ) -> Receipt | None:
        rows = self._receipts(
            "d.counterparty_id = ? AND d.number = ? AND d.document_year = ?",
            uid(account_id),
            uid(counterparty_id),
            number,
            year,
        )
        return rows[0] if rows else None

    def find_all(self, account_id: UUID, counterparty_id: UUID | None = None) -> list[Receipt]:
        if counterparty_id is None:
            return self._receipts("1 = 1", uid(account_id))
        return self._receipts("d.counterparty_id = ?", uid(account_id), uid(counterparty_id))

    def _receipts(self, where: str, *params: object) -> list[Receipt]:
        rows = self._all(
            f"{self._SELECT} WHERE d.account_id = ? AND d.kind = 'receipt' AND {where}"
            " ORDER BY d.document_date, d.posted_at, d.number",
            *params,
        )
        lines = _load_lines(
            self._db, "document_lines", "document_id", [str(row[0]) for row in rows]
        )
        return [
            Receipt(
                id=UUID(str(id_)),
                account_id=UUID(str(account)),
                number=str(number),
                date=day_out(str(on)),
                counterparty_id=UUID(str(cp)),
                contract_id=UUID(str(contract)),
                warehouse_id=UUID(str(wh)),
                lines=lines.get(str(id_), ()),
                posted_at=instant_out(str(at)),
                posted_by=str(by),
            )
            for id_, account, number, on, cp, contract, wh, at, by in rows
        ]


class Orders(_Repository):
    _SELECT = (
        "SELECT id, account_id, number, counterparty_id, warehouse_id, created_at, state, version,"
        " confirmed_at, closed_at, recipient, address, comment FROM orders"
    )

    def next_number(self, account_id: UUID) -> int:
        row = self._one(
            "INSERT INTO order_numbers (account_id, last) VALUES (?, 1)"
            " ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last",
            uid(account_id),
        )
        assert row is not None
        return int(str(row[0]))

    def add(self, order: DeliveryOrder) -> None:
        o = order
        self._db.execute(
            "INSERT INTO orders (id, account_id, number, counterparty_id, warehouse_id, created_at,"
            " state, version, confirmed_at, closed_at, recipient, address, comment)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid(o.id),
                uid(o.account_id),
                o.number,
                uid(o.counterparty_id),
                uid(o.warehouse_id),
                instant_in(o.created_at),
                *self._changing(o),
            ),
        )
        _insert_lines(self._db, "order_lines", "order_id", o.id, o.lines)

    def save(self, order: DeliveryOrder) -> None:
        """Store the order's state and header fields; cargo lines are stored by `add`."""
        cursor = self._db.execute(
            "UPDATE orders SET state = ?, version = ?, confirmed_at = ?, closed_at = ?,"
            " recipient = ?, address = ?, comment = ?"
            " WHERE account_id = ? AND id = ? AND version = ?",
            (*self._changing(order), uid(order.account_id), uid(order.id), order.version - 1),
        )
        if cursor.rowcount != 1:
            raise Conflict(reason=f"order {order.number} was changed by someone else")

    @staticmethod
    def _changing(o: DeliveryOrder) -> tuple[object, ...]:
        return (
            o.state.value,
            o.version,
            None if o.confirmed_at is None else instant_in(o.confirmed_at),
            None if o.closed_at is None else instant_in(o.closed_at),
            o.recipient,
            o.address,
            o.comment,
        )

    def get(self, account_id: UUID, order_id: UUID) -> DeliveryOrder | None:
        found = self._orders("id = ?", uid(account_id), uid(order_id))
        return found[0] if found else None

    def by_number(self, account_id: UUID, number: int) -> DeliveryOrder | None:
        found = self._orders("number = ?", uid(account_id), number)
        return found[0] if found else None

    def find_all(
        self,
        account_id: UUID,
        counterparty_id: UUID | None = None,
        states: Collection[OrderState] | None = None,
    ) -> list[DeliveryOrder]:
        where, params = ["1 = 1"], [uid(account_id)]
        if counterparty_id is not None:
            where.append("counterparty_id = ?")
            params.append(uid(counterparty_id))
        if states is not None:
            values = sorted(state.value for state in states)
            where.append(f"state IN ({_marks(values)})")
            params.extend(values)
        return self._orders(" AND ".join(where), *params)

    def _orders(self, where: str, *params: object) -> list[DeliveryOrder]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = ? AND {where} ORDER BY number", *params
        )
        lines = _load_lines(self._db, "order_lines", "order_id", [str(row[0]) for row in rows])
        return [
            DeliveryOrder(
                id=UUID(str(id_)),
                account_id=UUID(str(account)),
                number=int(str(number)),
                counterparty_id=UUID(str(cp)),
                warehouse_id=UUID(str(wh)),
                lines=lines.get(str(id_), ()),
                created_at=instant_out(str(created)),
                state=OrderState(str(state)),
                version=int(str(version)),
                confirmed_at=optional_instant_out(None if confirmed is None else str(confirmed)),
                closed_at=optional_instant_out(None if closed is None else str(closed)),
                recipient=None if recipient is None else str(recipient),
                address=None if address is None else str(address),
                comment=None if comment is None else str(comment),
            )
            for (
                id_,
                account,
                number,
                cp,
                wh,
                created,
                state,
                version,
                confirmed,
                closed,
                recipient,
                address,
                comment,
            ) in rows
        ]


def _insert_lines(
    db: sqlite3.Connection, table: str, owner_column: str, owner: UUID, lines: Sequence[Line]
) -> None:
    db.executemany(
        f"INSERT INTO {table} ({owner_column}, line_no, item_id, quantity) VALUES (?, ?, ?, ?)",
        [
            (uid(owner), n, uid(line.item_id), quantity_in(line.quantity))
            for n, line in enumerate(lines, 1)
        ],
    )


def _load_lines(
    db: sqlite3.Connection, table: str, owner_column: str, owners: list[str]
) -> dict[str, tuple[Line, ...]]:
    """Lines of many owners in one query, each at its item's unit scale."""
    if not owners:
        return {}
    rows = db.execute(
        f"SELECT l.{owner_column}, l.item_id, l.quantity, i.unit_scale FROM {table} l"
        f" JOIN items i ON i.id = l.item_id WHERE l.{owner_column} IN ({_marks(owners)})"
        f" ORDER BY l.{owner_column}, l.line_no",
        owners,
    ).fetchall()
    result: dict[str, list[Line]] = {}
    for owner, item, quantity, scale in rows:
        result.setdefault(owner, []).append(Line(UUID(item), quantity_out(quantity, scale)))
    return {owner: tuple(lines) for owner, lines in result.items()}
