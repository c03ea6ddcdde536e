"""SQLite repositories of reference data and the ledger. Every query is scoped by account."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from uuid import UUID

from custody_core.adapters.storage.cursors import dated_sequence_cursor, number_cursor, paged
from custody_core.adapters.storage.sqlite.base import (
    Repository,
    Row,
    Where,
    marks,
    stock_key,
)
from custody_core.adapters.storage.sqlite.codec import (
    day_in,
    day_out,
    instant_in,
    instant_out,
    money_in,
    money_out,
    quantity_in,
    quantity_out,
    uid,
    uid_out,
)
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
    return Account(uid_out(str(id_)), str(code), str(name), str(time_zone))


class Counterparties(Repository):
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
        uid_out(str(id_)),
        uid_out(str(account_id)),
        str(code),
        str(name),
        None if phone is None else str(phone),
        None if inn is None else str(inn),
    )


class Contracts(Repository):
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
                uid_out(str(id_)),
                uid_out(str(account)),
                uid_out(str(counterparty)),
                str(number),
                None if signed_on is None else day_out(str(signed_on)),
                bool(is_main),
            )
            for id_, account, counterparty, number, signed_on, is_main in rows
        ]


class Warehouses(Repository):
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
    return Warehouse(uid_out(str(id_)), uid_out(str(account_id)), str(code), str(name))


class Items(Repository):
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
        sql = f"{self._SELECT} WHERE account_id = ? AND sku IN ({marks(wanted)})"
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
        uid_out(str(id_)),
        uid_out(str(account_id)),
        uid_out(str(counterparty_id)),
        str(sku),
        str(name),
        unit,
        money_out(int(str(value))),
    )


class Ledger(Repository):
    _MOVEMENT = (
        "SELECT m.seq, m.counterparty_id, warehouse_id, item_id, kind, quantity, document_kind,"
        " document_id, order_id, occurred_on, posted_at, unit_scale FROM movements m"
        " JOIN items i ON i.id = m.item_id"
    )

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
                *stock_key(key),
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
                    *stock_key(m.key),
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
            [
                (*stock_key(b.key), quantity_in(b.on_hand), quantity_in(b.reserved))
                for b in balances
            ],
        )

    def lock_counterparty(self, account_id: UUID, counterparty_id: UUID) -> None:
        """Nothing to do: a unit of work holds the database's write lock (BEGIN IMMEDIATE)."""

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
                StockKey(account_id, counterparty_id, uid_out(str(warehouse)), uid_out(str(item))),
                quantity_out(int(str(on_hand)), int(str(scale))),
                quantity_out(int(str(reserved)), int(str(scale))),
            )
            for warehouse, item, on_hand, reserved, scale in rows
        ]

    def movements(self, account_id: UUID) -> Iterator[Movement]:
        cursor = self._db.execute(
            f"{self._MOVEMENT} WHERE m.account_id = ? ORDER BY seq", (uid(account_id),)
        )
        return (_movement(account_id, row) for row in cursor)

    def totals(
        self,
        account_id: UUID,
        counterparty_id: UUID | None,
        after: date | None,
        through: date,
        posted_before: datetime | None = None,
    ) -> list[MovementTotal]:
        """Summed as integers by SQLite; every counterparty is asked for by its id, so that
        even all of them are read off the movements_by_date index."""
        counterparties, scope = (
            ("IN (SELECT id FROM counterparties WHERE account_id = ?)", account_id)
            if counterparty_id is None
            else ("= ?", counterparty_id)
        )
        posted = "" if posted_before is None else " AND posted_at < ?"
        rows = self._all(
            "SELECT t.counterparty_id, t.warehouse_id, t.item_id, t.kind, t.order_id, t.quantity,"
            " i.unit_scale FROM (SELECT counterparty_id, warehouse_id, item_id, kind, order_id,"
            " sum(quantity) AS quantity FROM movements"
            f" WHERE account_id = ? AND counterparty_id {counterparties}"
            f" AND occurred_on > ? AND occurred_on <= ?{posted}"
            " GROUP BY counterparty_id, warehouse_id, item_id, kind, order_id) t"
            " JOIN items i ON i.id = t.item_id",
            uid(account_id),
            uid(scope),
            "" if after is None else day_in(after),
            day_in(through),
            *([] if posted_before is None else [instant_in(posted_before)]),
        )
        return [
            MovementTotal(
                StockKey(account_id, uid_out(str(cp)), uid_out(str(wh)), uid_out(str(item))),
                MovementKind(str(kind)),
                quantity_out(int(str(quantity)), int(str(scale))),
                None if order_id is None else uid_out(str(order_id)),
            )
            for cp, wh, item, kind, order_id, quantity, scale in rows
        ]

    def first_date(self, account_id: UUID) -> date | None:
        row = self._one(
            "SELECT min((SELECT min(occurred_on) FROM movements m"
            " WHERE m.account_id = c.account_id AND m.counterparty_id = c.id))"
            " FROM counterparties c WHERE c.account_id = ?",
            uid(account_id),
        )
        return None if row is None or row[0] is None else day_out(str(row[0]))

    def find(self, account_id: UUID, query: MovementQuery, page: PageRequest) -> Page[Movement]:
        where = (
            Where()
            .add("m.account_id = ?", uid(account_id))
            .equal("m.counterparty_id", query.counterparty_id)
            .equal("warehouse_id", query.warehouse_id)
            .equal("item_id", query.item_id)
            .equal("document_id", query.document_id)
            .equal("order_id", query.order_id)
            .among("kind", None if query.kinds is None else (kind.value for kind in query.kinds))
            .within("occurred_on", query.date_from, query.date_to)
        )
        if query.posting_order:
            order, cursor = "seq", _sequence_of
            if page.after is not None:
                where.add("seq > ?", number_cursor(page.after))
        else:
            order, cursor = "occurred_on, seq", _dated_sequence_of
            if page.after is not None:
                where.add("(occurred_on, seq) > (?, ?)", *dated_sequence_cursor(page.after))
        rows = self._all(
            f"{self._MOVEMENT} WHERE {where} ORDER BY {order} LIMIT ?",
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
    return f"{row[9]}|{row[0]}"


def _movement(account_id: UUID, row: Row) -> Movement:
    _seq, cp, wh, item, kind, qty, doc_kind, doc_id, order_id, on, at, scale = row
    return Movement(
        key=StockKey(account_id, uid_out(str(cp)), uid_out(str(wh)), uid_out(str(item))),
        kind=MovementKind(str(kind)),
        quantity=quantity_out(int(str(qty)), int(str(scale))),
        document_kind=DocumentKind(str(doc_kind)),
        document_id=uid_out(str(doc_id)),
        occurred_on=day_out(str(on)),
        posted_at=instant_out(str(at)),
        order_id=None if order_id is None else uid_out(str(order_id)),
    )
