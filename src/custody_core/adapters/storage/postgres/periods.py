"""PostgreSQL repository of closed months and their snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from custody_core.adapters.storage.closing_sql import (
    BALANCES,
    HOLDS,
    closing_params,
    closing_statement,
)
from custody_core.adapters.storage.postgres.base import Repository, Where
from custody_core.adapters.storage.postgres.codec import quantity_out
from custody_core.domain.ledger import Balance, Movement, StockKey
from custody_core.domain.periods import HeldReserve, Position, effect, hold_effect

#: The account's counterparties, each asked for by id so that movements_by_date is used.
_COUNTERPARTIES = "= ANY(ARRAY(SELECT id FROM counterparties WHERE account_id = %s))"


class Periods(Repository):
    def closings(self, account_id: UUID) -> list[date]:
        rows = self._all(
            "SELECT period_end FROM period_closings WHERE account_id = %s ORDER BY period_end",
            account_id,
        )
        return [row[0] for row in rows]

    def snapshot(
        self, account_id: UUID, period_end: date, counterparty_id: UUID | None = None
    ) -> Position:
        where = (
            Where()
            .add("s.account_id = %s AND s.period_end = %s", account_id, period_end)
            .equal("s.counterparty_id", counterparty_id)
        )
        balances = [
            Balance(
                StockKey(account_id, cp, wh, item),
                quantity_out(on_hand, scale),
                quantity_out(reserved, scale),
            )
            for cp, wh, item, on_hand, reserved, scale in self._all(
                "SELECT s.counterparty_id, s.warehouse_id, s.item_id, s.on_hand, s.reserved,"
                f" i.unit_scale FROM snapshot_balances s JOIN items i ON i.id = s.item_id"
                f" WHERE {where}",
                *where.params,
            )
        ]
        holds = [
            HeldReserve(order, StockKey(account_id, cp, wh, item), quantity_out(quantity, scale))
            for order, cp, wh, item, quantity, scale in self._all(
                "SELECT s.order_id, s.counterparty_id, s.warehouse_id, s.item_id, s.quantity,"
                f" i.unit_scale FROM snapshot_holds s JOIN items i ON i.id = s.item_id"
                f" WHERE {where} AND s.quantity > 0",
                *where.params,
            )
        ]
        return Position.of(period_end, balances, holds)

    def add(self, account_id: UUID, position: Position) -> None:
        assert position.as_of is not None, "a snapshot is of a day"
        end = position.as_of
        self._db.execute(
            "INSERT INTO period_closings (account_id, period_end) VALUES (%s, %s)",
            (account_id, end),
        )
        with self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO snapshot_balances (account_id, period_end, counterparty_id,"
                " warehouse_id, item_id, on_hand, reserved) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (account_id, end, *_where(b.key), b.on_hand, b.reserved)
                    for b in position.balances.values()
                    if b.on_hand or b.reserved
                ],
            )
            cursor.executemany(
                "INSERT INTO snapshot_holds (account_id, period_end, counterparty_id,"
                " warehouse_id, item_id, order_id, quantity) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (account_id, end, *_where(hold.key), hold.order_id, hold.quantity)
                    for hold in position.held()
                ],
            )

    def close(self, account_id: UUID, previous: date | None, ends: Sequence[date]) -> None:
        """One INSERT per snapshot table, summed in NUMERIC by the server."""
        with self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO period_closings (account_id, period_end) VALUES (%s, %s)",
                [(account_id, end) for end in ends],
            )
        params = closing_params(account_id, previous, ends, lambda day: day)
        for table in (BALANCES, HOLDS):
            self._db.execute(closing_statement(table, "%s", _COUNTERPARTIES, len(ends)), params)

    def adjust(self, account_id: UUID, movements: Sequence[Movement]) -> None:
        for movement in movements:
            if movement.key.account_id != account_id:
                continue
            on_hand, reserved = effect(movement)
            closed = (account_id, movement.occurred_on)
            self._db.execute(
                "INSERT INTO snapshot_balances (account_id, period_end, counterparty_id,"
                " warehouse_id, item_id, on_hand, reserved)"
                " SELECT account_id, period_end, %s, %s, %s, %s, %s FROM period_closings"
                " WHERE account_id = %s AND period_end >= %s"
                " ON CONFLICT (account_id, period_end, counterparty_id, warehouse_id, item_id)"
                " DO UPDATE SET on_hand = snapshot_balances.on_hand + excluded.on_hand,"
                " reserved = snapshot_balances.reserved + excluded.reserved",
                (*_where(movement.key), on_hand, reserved, *closed),
            )
            held = hold_effect(movement)
            if held and movement.order_id is not None:
                self._db.execute(
                    "INSERT INTO snapshot_holds (account_id, period_end, counterparty_id,"
                    " warehouse_id, item_id, order_id, quantity)"
                    " SELECT account_id, period_end, %s, %s, %s, %s, %s FROM period_closings"
                    " WHERE account_id = %s AND period_end >= %s"
                    " ON CONFLICT (account_id, period_end, counterparty_id, order_id,"
                    " warehouse_id, item_id)"
                    " DO UPDATE SET quantity = snapshot_holds.quantity + excluded.quantity",
                    (*_where(movement.key), movement.order_id, held, *closed),
                )


def _where(key: StockKey) -> tuple[UUID, UUID, UUID]:
    """Counterparty, warehouse and item: where in the account the stock of `key` is."""
    return key.counterparty_id, key.warehouse_id, key.item_id
