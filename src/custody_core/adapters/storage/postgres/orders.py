"""PostgreSQL repository of delivery orders: header, cargo lines and what was handed over."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from custody_core.adapters.storage.cursors import number_cursor, paged
from custody_core.adapters.storage.order_details import details_data, details_from_data
from custody_core.adapters.storage.postgres.base import (
    Connection,
    Repository,
    Row,
    Where,
    guarded,
    insert_lines,
    load_lines,
    violated,
)
from custody_core.adapters.storage.postgres.codec import (
    instant_out,
    optional_instant_out,
    quantity_out,
)
from custody_core.domain import conflicts
from custody_core.domain.lines import Line
from custody_core.domain.orders import SHIPPED_STATES, DeliveryOrder, OrderState
from custody_core.domain.paging import Page, PageRequest
from custody_core.ports.storage import OrderQuery

_SHIPPED = {state.value for state in SHIPPED_STATES}


class Orders(Repository):
    """Orders; `apart` lends a connection outside the unit of work, which
    `next_numbers_apart` takes numbers on (see `PostgresStorage.apart`). A read-only
    unit has none: its numbers are asked of its own transaction, which refuses them."""

    _COLUMNS = (
        "o.id, o.account_id, o.number, o.counterparty_id, o.warehouse_id, o.created_at, o.state,"
        " o.version, o.confirmed_at, o.closed_at, o.recipient, o.address, o.comment,"
        " o.failure_reason, o.external_number, o.details"
    )
    _SELECT = f"SELECT {_COLUMNS} FROM orders o"

    def __init__(
        self,
        connection: Connection,
        apart: Callable[[], AbstractContextManager[Connection]] | None,
    ) -> None:
        super().__init__(connection)
        self._apart = apart

    def next_number(self, account_id: UUID) -> int:
        return self.next_numbers(account_id, 1).start

    def next_numbers(self, account_id: UUID, count: int) -> range:
        """A block of numbers; the counter row stays locked until the unit of work ends."""
        return _take_numbers(self._db, account_id, count)

    def next_numbers_apart(self, account_id: UUID, count: int) -> range:
        """A block of numbers taken and committed on the connection apart: the counter row
        is locked for this statement only."""
        if self._apart is None:
            return self.next_numbers(account_id, count)
        with self._apart() as connection:
            return _take_numbers(connection, account_id, count)

    def add(self, order: DeliveryOrder) -> None:
        try:
            with guarded(self._db):
                self._insert([order])
        except psycopg.errors.UniqueViolation as error:
            if violated(error) != "orders_by_external_number":
                raise
            raise conflicts.external_number_taken(order.external_number) from None

    def add_many(self, orders: Sequence[DeliveryOrder]) -> None:
        """All at once; when a constraint refuses one, none is kept and `add` finds which."""
        try:
            with guarded(self._db):
                self._insert(orders)
        except psycopg.errors.IntegrityError:
            for order in orders:
                self.add(order)

    def _insert(self, orders: Sequence[DeliveryOrder]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO orders (id, account_id, number, counterparty_id, warehouse_id,"
                " created_at, state, version, confirmed_at, closed_at, recipient, address,"
                " comment, failure_reason, external_number, details)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        o.id,
                        o.account_id,
                        o.number,
                        o.counterparty_id,
                        o.warehouse_id,
                        o.created_at,
                        *self._changing(o),
                        o.external_number,
                        _details(o),
                    )
                    for o in orders
                ],
            )
        insert_lines(self._db, "order_lines", "order_id", [(o.id, o.lines) for o in orders])
        handed = [(o.id, o.handed_over) for o in orders]
        insert_lines(self._db, "order_handed_over", "order_id", handed)

    def save(self, order: DeliveryOrder, previous: DeliveryOrder) -> None:
        cursor = self._db.execute(
            "UPDATE orders SET state = %s, version = %s, confirmed_at = %s, closed_at = %s,"
            " recipient = %s, address = %s, comment = %s, failure_reason = %s"
            " WHERE account_id = %s AND id = %s AND version = %s",
            (*self._changing(order), order.account_id, order.id, previous.version),
        )
        if cursor.rowcount != 1:
            raise conflicts.order_changed(order.number)
        if previous.confirmed_at not in (None, order.confirmed_at):
            self._db.execute(
                "INSERT INTO order_confirmations (order_id, confirmed_at) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                (order.id, previous.confirmed_at),
            )
        for table, before, after in (
            ("order_lines", previous.lines, order.lines),
            ("order_handed_over", previous.handed_over, order.handed_over),
        ):
            if before != after:
                self._db.execute(f"DELETE FROM {table} WHERE order_id = %s", (order.id,))
                insert_lines(self._db, table, "order_id", [(order.id, after)])

    @staticmethod
    def _changing(o: DeliveryOrder) -> tuple[object, ...]:
        return (
            o.state.value,
            o.version,
            o.confirmed_at,
            o.closed_at,
            o.recipient,
            o.address,
            o.comment,
            o.failure_reason,
        )

    def get(self, account_id: UUID, order_id: UUID) -> DeliveryOrder | None:
        return self._single("o.id = %s", account_id, order_id)

    def by_number(self, account_id: UUID, number: int) -> DeliveryOrder | None:
        return self._single("o.number = %s", account_id, number)

    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        row = self._one(
            "SELECT counterparty_id FROM orders WHERE account_id = %s AND number = %s",
            account_id,
            number,
        )
        return None if row is None else row[0]

    def _single(self, where: str, *params: object) -> DeliveryOrder | None:
        """One order with its cargo in one statement: every change of an order starts here,
        so a writing unit locks the order's row (as an UPDATE would) until it ends."""
        lock = "FOR NO KEY UPDATE OF o" if self._locking else ""
        rows = self._all(
            f"SELECT {self._COLUMNS}, l.item_id, l.quantity, i.unit_scale FROM orders o"
            " LEFT JOIN order_lines l ON l.order_id = o.id LEFT JOIN items i ON i.id = l.item_id"
            f" WHERE o.account_id = %s AND {where} ORDER BY l.line_no {lock}",
            *params,
        )
        if not rows:
            return None
        header = rows[0][:-3]
        key = header[0]
        lines = tuple(
            Line(item, quantity_out(quantity, scale))
            for *_, item, quantity, scale in rows
            if item is not None
        )
        shipped = [key] if header[6] in _SHIPPED else []
        handed = load_lines(self._db, "order_handed_over", "order_id", shipped)
        return _order(header, {key: lines}, handed)

    def by_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, int]:
        rows = self._all(
            "SELECT external_number, number FROM orders WHERE account_id = %s"
            " AND counterparty_id = %s AND external_number = ANY(%s::text[])",
            account_id,
            counterparty_id,
            sorted(external_numbers),
        )
        return {external: int(number) for external, number in rows}

    def with_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, DeliveryOrder]:
        found = self._orders(
            "o.counterparty_id = %s AND o.external_number = ANY(%s::text[])",
            account_id,
            counterparty_id,
            sorted(external_numbers),
        )
        return {order.external_number: order for order in found if order.external_number}

    def get_many(self, account_id: UUID, order_ids: Collection[UUID]) -> dict[UUID, DeliveryOrder]:
        found = self._orders("o.id = ANY(%s::uuid[])", account_id, list(order_ids))
        return {order.id: order for order in found}

    def confirmed_before(
        self, account_id: UUID, order_ids: Collection[UUID], before: datetime
    ) -> dict[UUID, datetime]:
        ids = list(order_ids)
        rows = self._all(
            "SELECT o.id, max(c.at) FROM orders o JOIN ("
            " SELECT id AS order_id, confirmed_at AS at FROM orders"
            " WHERE id = ANY(%s::uuid[]) AND confirmed_at IS NOT NULL"
            " UNION ALL SELECT order_id, confirmed_at FROM order_confirmations"
            " WHERE order_id = ANY(%s::uuid[])"
            ") c ON c.order_id = o.id WHERE o.account_id = %s AND c.at < %s GROUP BY o.id",
            ids,
            ids,
            account_id,
            before,
        )
        return {id_: instant_out(at) for id_, at in rows}

    def find(self, account_id: UUID, query: OrderQuery, page: PageRequest) -> Page[DeliveryOrder]:
        where = (
            Where()
            .add("o.number > %s", number_cursor(page.after))
            .equal("o.counterparty_id", query.counterparty_id)
            .equal("o.warehouse_id", query.warehouse_id)
            .among("o.state", None if query.states is None else (s.value for s in query.states))
        )
        found = self._orders(str(where), account_id, *where.params, limit=page.limit + 1)
        return paged(found, page, lambda order: order.number)

    def _orders(self, where: str, *params: object, limit: int | None = None) -> list[DeliveryOrder]:
        """Orders matching `where`, by number, with their lines."""
        rows = self._all(
            f"{self._SELECT} WHERE o.account_id = %s AND {where} ORDER BY o.number LIMIT %s",
            *params,
            limit,
        )
        lines = load_lines(self._db, "order_lines", "order_id", [row[0] for row in rows])
        shipped = [row[0] for row in rows if row[6] in _SHIPPED]
        handed = load_lines(self._db, "order_handed_over", "order_id", shipped)
        return [_order(row, lines, handed) for row in rows]


def _take_numbers(db: Connection, account_id: UUID, count: int) -> range:
    row = db.execute(
        "INSERT INTO order_numbers (account_id, last) VALUES (%s, %s)"
        " ON CONFLICT (account_id) DO UPDATE SET last = order_numbers.last + excluded.last"
        " RETURNING last",
        (account_id, count),
    ).fetchone()
    assert row is not None
    last = int(row[0])
    return range(last - count + 1, last + 1)


def _details(order: DeliveryOrder) -> Jsonb | None:
    data = details_data(order)
    return None if data is None else Jsonb(data)


def _order(
    row: Row, lines: dict[UUID, tuple[Line, ...]], handed: dict[UUID, tuple[Line, ...]]
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
        id=id_,
        account_id=account,
        number=number,
        counterparty_id=cp,
        warehouse_id=wh,
        lines=lines.get(id_, ()),
        created_at=instant_out(created),
        state=OrderState(state),
        version=version,
        confirmed_at=optional_instant_out(confirmed),
        closed_at=optional_instant_out(closed),
        recipient=recipient,
        address=address,
        comment=comment,
        handed_over=handed.get(id_, ()),
        failure_reason=failure,
        external_number=external,
        **details_from_data(details),
    )
