"""SQLite repository of delivery orders: header, cargo lines and what was handed over."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from custody_core.adapters.storage.cursors import number_cursor, paged
from custody_core.adapters.storage.order_details import details_data, details_from_data
from custody_core.adapters.storage.sqlite.base import (
    Repository,
    Row,
    Where,
    insert_lines,
    insert_lines_of,
    load_lines,
    marks,
)
from custody_core.adapters.storage.sqlite.codec import (
    instant_in,
    instant_out,
    optional_instant_out,
    quantity_out,
    uid,
    uid_out,
)
from custody_core.domain import conflicts
from custody_core.domain.lines import Line
from custody_core.domain.orders import SHIPPED_STATES, DeliveryOrder, OrderState
from custody_core.domain.paging import Page, PageRequest
from custody_core.ports.storage import OrderQuery

_SHIPPED = {state.value for state in SHIPPED_STATES}
#: SQLite's default limit of parameters in one statement is far above this.
_CHUNK = 500


class Orders(Repository):
    _COLUMNS = (
        "o.id, o.account_id, o.number, o.counterparty_id, o.warehouse_id, o.created_at, o.state,"
        " o.version, o.confirmed_at, o.closed_at, o.recipient, o.address, o.comment,"
        " o.failure_reason, o.external_number, o.details"
    )
    _SELECT = f"SELECT {_COLUMNS} FROM orders o"

    def next_number(self, account_id: UUID) -> int:
        return self.next_numbers(account_id, 1).start

    def next_numbers(self, account_id: UUID, count: int) -> range:
        row = self._one(
            "INSERT INTO order_numbers (account_id, last) VALUES (?, ?)"
            " ON CONFLICT DO UPDATE SET last = last + excluded.last RETURNING last",
            uid(account_id),
            count,
        )
        assert row is not None
        last = int(str(row[0]))
        return range(last - count + 1, last + 1)

    def next_numbers_apart(self, account_id: UUID, count: int) -> range:
        """In the unit itself: it holds the database's only write lock anyway, and gives
        the numbers back if it rolls back."""
        return self.next_numbers(account_id, count)

    def add(self, order: DeliveryOrder) -> None:
        try:
            self._insert([order])
        except sqlite3.IntegrityError as error:
            if "external_number" in str(error):
                raise conflicts.external_number_taken(order.external_number) from None
            raise

    def add_many(self, orders: Sequence[DeliveryOrder]) -> None:
        if not self._inserted_together(orders):
            for order in orders:
                self.add(order)

    def _inserted_together(self, orders: Sequence[DeliveryOrder]) -> bool:
        """Insert `orders` with one statement per table; False, having inserted none of
        them, when a constraint refuses one (`add` then finds which, as it would alone)."""
        self._db.execute("SAVEPOINT orders_together")
        try:
            self._insert(orders)
        except sqlite3.IntegrityError:
            self._db.execute("ROLLBACK TO orders_together")
            return False
        finally:
            self._db.execute("RELEASE orders_together")
        return True

    def _insert(self, orders: Sequence[DeliveryOrder]) -> None:
        self._db.executemany(
            "INSERT INTO orders (id, account_id, number, counterparty_id, warehouse_id, created_at,"
            " state, version, confirmed_at, closed_at, recipient, address, comment,"
            " failure_reason, external_number, details)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    uid(o.id),
                    uid(o.account_id),
                    o.number,
                    uid(o.counterparty_id),
                    uid(o.warehouse_id),
                    instant_in(o.created_at),
                    *self._changing(o),
                    o.external_number,
                    _details_text(o),
                )
                for o in orders
            ],
        )
        insert_lines_of(self._db, "order_lines", "order_id", ((o.id, o.lines) for o in orders))
        handed = ((o.id, o.handed_over) for o in orders)
        insert_lines_of(self._db, "order_handed_over", "order_id", handed)

    def save(self, order: DeliveryOrder, previous: DeliveryOrder) -> None:
        cursor = self._db.execute(
            "UPDATE orders SET state = ?, version = ?, confirmed_at = ?, closed_at = ?,"
            " recipient = ?, address = ?, comment = ?, failure_reason = ?"
            " WHERE account_id = ? AND id = ? AND version = ?",
            (*self._changing(order), uid(order.account_id), uid(order.id), previous.version),
        )
        if cursor.rowcount != 1:
            raise conflicts.order_changed(order.number)
        if previous.confirmed_at not in (None, order.confirmed_at):
            self._db.execute(
                "INSERT OR IGNORE INTO order_confirmations (order_id, confirmed_at) VALUES (?, ?)",
                (uid(order.id), instant_in(previous.confirmed_at)),
            )
        for table, before, after in (
            ("order_lines", previous.lines, order.lines),
            ("order_handed_over", previous.handed_over, order.handed_over),
        ):
            if before != after:
                self._replace_lines(table, order.id, after)

    def _replace_lines(self, table: str, order_id: UUID, lines: tuple[Line, ...]) -> None:
        self._db.execute(f"DELETE FROM {table} WHERE order_id = ?", (uid(order_id),))
        insert_lines(self._db, table, "order_id", order_id, lines)

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
            o.failure_reason,
        )

    def get(self, account_id: UUID, order_id: UUID) -> DeliveryOrder | None:
        return self._single("o.id = ?", uid(account_id), uid(order_id))

    def by_number(self, account_id: UUID, number: int) -> DeliveryOrder | None:
        return self._single("o.number = ?", uid(account_id), number)

    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        row = self._one(
            "SELECT counterparty_id FROM orders WHERE account_id = ? AND number = ?",
            uid(account_id),
            number,
        )
        return None if row is None else uid_out(str(row[0]))

    def _single(self, where: str, *params: object) -> DeliveryOrder | None:
        """One order with its cargo in one statement: every change of an order starts here."""
        rows = self._all(
            f"SELECT {self._COLUMNS}, l.item_id, l.quantity, i.unit_scale FROM orders o"
            " LEFT JOIN order_lines l ON l.order_id = o.id LEFT JOIN items i ON i.id = l.item_id"
            f" WHERE o.account_id = ? AND {where} ORDER BY l.line_no",
            *params,
        )
        if not rows:
            return None
        header = rows[0][:-3]
        key = str(header[0])
        lines = tuple(
            Line(uid_out(str(item)), quantity_out(int(str(quantity)), int(str(scale))))
            for *_, item, quantity, scale in rows
            if item is not None
        )
        shipped = [key] if header[6] in _SHIPPED else []
        handed = load_lines(self._db, "order_handed_over", "order_id", shipped)
        return _order(header, {key: lines}, handed)

    def by_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, int]:
        wanted = sorted(external_numbers)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = self._all(
                "SELECT external_number, number FROM orders WHERE account_id = ?"
                f" AND counterparty_id = ? AND external_number IN ({marks(chunk)})",
                uid(account_id),
                uid(counterparty_id),
                *chunk,
            )
            found.update((str(external), int(str(number))) for external, number in rows)
        return found

    def with_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, DeliveryOrder]:
        wanted = sorted(external_numbers)
        found: dict[str, DeliveryOrder] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            where = f"counterparty_id = ? AND external_number IN ({marks(chunk)})"
            for order in self._orders(where, uid(account_id), uid(counterparty_id), *chunk):
                assert order.external_number is not None
                found[order.external_number] = order
        return found

    def get_many(self, account_id: UUID, order_ids: Collection[UUID]) -> dict[UUID, DeliveryOrder]:
        ids = sorted(uid(order_id) for order_id in order_ids)
        found: dict[UUID, DeliveryOrder] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            in_chunk = f"id IN ({marks(chunk)})"
            for order in self._orders(in_chunk, uid(account_id), *chunk, by_ids=True):
                found[order.id] = order
        return found

    def confirmed_before(
        self, account_id: UUID, order_ids: Collection[UUID], before: datetime
    ) -> dict[UUID, datetime]:
        ids = sorted(uid(order_id) for order_id in order_ids)
        found: dict[UUID, datetime] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            rows = self._all(
                "SELECT o.id, max(c.at) FROM orders o JOIN ("
                " SELECT id AS order_id, confirmed_at AS at FROM orders"
                f" WHERE id IN ({marks(chunk)}) AND confirmed_at IS NOT NULL"
                " UNION ALL SELECT order_id, confirmed_at FROM order_confirmations"
                f" WHERE order_id IN ({marks(chunk)})"
                ") c ON c.order_id = o.id WHERE o.account_id = ? AND c.at < ? GROUP BY o.id",
                *chunk,
                *chunk,
                uid(account_id),
                instant_in(before),
            )
            found.update((uid_out(str(id_)), instant_out(str(at))) for id_, at in rows)
        return found

    def find(self, account_id: UUID, query: OrderQuery, page: PageRequest) -> Page[DeliveryOrder]:
        where = (
            Where()
            .add("number > ?", number_cursor(page.after))
            .equal("counterparty_id", query.counterparty_id)
            .equal("warehouse_id", query.warehouse_id)
            .among("state", None if query.states is None else (s.value for s in query.states))
        )
        found = self._orders(str(where), uid(account_id), *where.params, limit=page.limit + 1)
        return paged(found, page, lambda order: order.number)

    def _orders(
        self, where: str, *params: object, limit: int = -1, by_ids: bool = False
    ) -> list[DeliveryOrder]:
        """Orders matching `where`, by number; `by_ids` looks ids up by primary key, unsorted.

        Without `by_ids` SQLite would walk the account's whole number index (to
        skip a sort) rather than look up each id: "+" keeps it off that index.
        """
        account, order = ("+account_id", "") if by_ids else ("account_id", "ORDER BY number")
        rows = self._all(
            f"{self._SELECT} WHERE {account} = ? AND {where} {order} LIMIT ?",
            *params,
            limit,
        )
        ids = [str(row[0]) for row in rows]
        lines = load_lines(self._db, "order_lines", "order_id", ids)
        shipped = [str(row[0]) for row in rows if row[6] in _SHIPPED]
        handed = load_lines(self._db, "order_handed_over", "order_id", shipped)
        return [_order(row, lines, handed) for row in rows]


def _order(
    row: Row, lines: dict[str, tuple[Line, ...]], handed: dict[str, tuple[Line, ...]]
) -> DeliveryOrder:
    (
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
        failure,
        external,
        details,
    ) = row
    return DeliveryOrder(
        id=uid_out(str(id_)),
        account_id=uid_out(str(account)),
        number=int(str(number)),
        counterparty_id=uid_out(str(cp)),
        warehouse_id=uid_out(str(wh)),
        lines=lines.get(str(id_), ()),
        created_at=instant_out(str(created)),
        state=OrderState(str(state)),
        version=int(str(version)),
        confirmed_at=optional_instant_out(None if confirmed is None else str(confirmed)),
        closed_at=optional_instant_out(None if closed is None else str(closed)),
        recipient=None if recipient is None else str(recipient),
        address=None if address is None else str(address),
        comment=None if comment is None else str(comment),
        handed_over=handed.get(str(id_), ()),
        failure_reason=None if failure is None else str(failure),
        external_number=None if external is None else str(external),
        **details_from_data(None if details is None else json.loads(str(details))),
    )


def _details_text(order: DeliveryOrder) -> str | None:
    data = details_data(order)
    return None if data is None else json.dumps(data)
