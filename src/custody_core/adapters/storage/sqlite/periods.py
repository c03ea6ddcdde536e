"""SQLite repository of closed months and their snapshots."""

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
from custody_core.adapters.storage.sqlite.base import Repository, stock_key
from custody_core.adapters.storage.sqlite.codec import (
    day_in,
    day_out,
    quantity_in,
    quantity_out,
    uid,
    uid_out,
)
from custody_core.domain.ledger import Balance, Movement, StockKey
from custody_core.domain.periods import HeldReserve, Position, effect, hold_effect

#: The account's counterparties, each asked for by id so that movements_by_date is used.
_COUNTERPARTIES = "IN (SELECT id FROM counterparties WHERE account_id = ?)"


class Periods(Repository):
    def closings(self, account_id: UUID) -> list[date]:
        rows = self._all(
            "SELECT period_end FROM period_closings WHERE account_id = ? ORDER BY period_end",
            uid(account_id),
        )
        return [day_out(str(row[0])) for row in rows]

    def snapshot(
        self, account_id: UUID, period_end: date, counterparty_id: UUID | None = None
    ) -> Position:
        where = "s.account_id = ? AND s.period_end = ?"
        params: list[object] = [uid(account_id), day_in(period_end)]
        if counterparty_id is not None:
            where += " AND s.counterparty_id = ?"
            params.append(uid(counterparty_id))
        balances = [
            Balance(
                StockKey(account_id, uid_out(str(cp)), uid_out(str(wh)), uid_out(str(item))),
                quantity_out(int(str(on_hand)), int(str(scale))),
                quantity_out(int(str(reserved)), int(str(scale))),
            )
            for cp, wh, item, on_hand, reserved, scale in self._all(
                "SELECT s.counterparty_id, s.warehouse_id, s.item_id, s.on_hand, s.reserved,"
                f" i.unit_scale FROM snapshot_balances s JOIN items i ON i.id = s.item_id"
                f" WHERE {where}",
                *params,
            )
        ]
        holds = [
            HeldReserve(
                uid_out(str(order)),
                StockKey(account_id, uid_out(str(cp)), uid_out(str(wh)), uid_out(str(item))),
                quantity_out(int(str(quantity)), int(str(scale))),
            )
            for order, cp, wh, item, quantity, scale in self._all(
                "SELECT s.order_id, s.counterparty_id, s.warehouse_id, s.item_id, s.quantity,"
                f" i.unit_scale FROM snapshot_holds s JOIN items i ON i.id = s.item_id"
                f" WHERE {where} AND s.quantity > 0",
                *params,
            )
        ]
        return Position.of(period_end, balances, holds)

    def add(self, account_id: UUID, position: Position) -> None:
        assert position.as_of is not None, "a snapshot is of a day"
        end = day_in(position.as_of)
        self._db.execute(
            "INSERT INTO period_closings (account_id, period_end) VALUES (?, ?)",
            (uid(account_id), end),
        )
        self._db.executemany(
            "INSERT INTO snapshot_balances (account_id, period_end, counterparty_id, warehouse_id,"
            " item_id, on_hand, reserved) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (*_keyed(end, b.key), quantity_in(b.on_hand), quantity_in(b.reserved))
                for b in position.balances.values()
                if b.on_hand or b.reserved
            ],
        )
        self._db.executemany(
            "INSERT INTO snapshot_holds (account_id, period_end, counterparty_id, warehouse_id,"
            " item_id, order_id, quantity) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (*_keyed(end, hold.key), uid(hold.order_id), quantity_in(hold.quantity))
                for hold in position.held()
            ],
        )

    def close(self, account_id: UUID, previous: date | None, ends: Sequence[date]) -> None:
        """One INSERT per snapshot table, summed as integers by SQLite."""
        account = uid(account_id)
        self._db.executemany(
            "INSERT INTO period_closings (account_id, period_end) VALUES (?, ?)",
            [(account, day_in(end)) for end in ends],
        )
        params = closing_params(account, previous, ends, day_in)
        for table in (BALANCES, HOLDS):
            self._db.execute(closing_statement(table, "?", _COUNTERPARTIES, len(ends)), params)

    def adjust(self, account_id: UUID, movements: Sequence[Movement]) -> None:
        for movement in movements:
            if movement.key.account_id != account_id:
                continue
            on_hand, reserved = effect(movement)
            params = (
                uid(account_id),
                day_in(movement.occurred_on),
                *stock_key(movement.key)[1:],
            )
            self._db.execute(
                "INSERT INTO snapshot_balances (account_id, period_end, counterparty_id,"
                " warehouse_id, item_id, on_hand, reserved)"
                " SELECT account_id, period_end, ?, ?, ?, ?, ? FROM period_closings"
                " WHERE account_id = ? AND period_end >= ?"
                " ON CONFLICT DO UPDATE SET on_hand = on_hand + excluded.on_hand,"
                " reserved = reserved + excluded.reserved",
                (*params[2:], quantity_in(on_hand), quantity_in(reserved), *params[:2]),
            )
            held = hold_effect(movement)
            if held and movement.order_id is not None:
                self._db.execute(
                    "INSERT INTO snapshot_holds (account_id, period_end, counterparty_id,"
                    " warehouse_id, item_id, order_id, quantity)"
                    " SELECT account_id, period_end, ?, ?, ?, ?, ? FROM period_closings"
                    " WHERE account_id = ? AND period_end >= ?"
                    " ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity",
                    (*params[2:], uid(movement.order_id), quantity_in(held), *params[:2]),
                )


def _keyed(end: str, key: StockKey) -> tuple[str, str, str, str, str]:
    account, counterparty, warehouse, item = stock_key(key)
    return account, end, counterparty, warehouse, item
