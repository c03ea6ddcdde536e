"""What every SQLite repository shares: query helpers, document lines and keyset pages."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from uuid import UUID

from custody_core.adapters.storage.sqlite.codec import (
    day_in,
    quantity_in,
    quantity_out,
    uid,
    uid_out,
)
from custody_core.domain.ledger import StockKey
from custody_core.domain.lines import Line

Row = tuple[object, ...]


class Repository:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def _one(self, sql: str, *params: object) -> Row | None:
        row: Row | None = self._db.execute(sql, params).fetchone()
        return row

    def _all(self, sql: str, *params: object) -> list[Row]:
        return list(self._db.execute(sql, params).fetchall())

    def _next_number(self, account_id: UUID, series: str) -> int:
        row = self._one(
            "INSERT INTO document_numbers (account_id, series, last) VALUES (?, ?, 1)"
            " ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last",
            uid(account_id),
            series,
        )
        assert row is not None
        return int(str(row[0]))


def marks(values: Collection[object]) -> str:
    return ", ".join("?" * len(values))


class Where:
    """WHERE terms and their parameters, built from optional filters (None adds nothing)."""

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.params: list[object] = []

    def add(self, term: str, *params: object) -> Where:
        self.terms.append(term)
        self.params.extend(params)
        return self

    def equal(self, column: str, value: UUID | None) -> Where:
        return self if value is None else self.add(f"{column} = ?", uid(value))

    def among(self, column: str, values: Iterable[str] | None) -> Where:
        if values is None:
            return self
        listed = sorted(values)
        return self.add(f"{column} IN ({marks(listed)})", *listed)

    def within(self, column: str, first: date | None, last: date | None) -> Where:
        if first is not None:
            self.add(f"{column} >= ?", day_in(first))
        if last is not None:
            self.add(f"{column} <= ?", day_in(last))
        return self

    def __str__(self) -> str:
        return " AND ".join(self.terms) or "1 = 1"


def stock_key(key: StockKey) -> tuple[str, str, str, str]:
    return uid(key.account_id), uid(key.counterparty_id), uid(key.warehouse_id), uid(key.item_id)


def insert_lines(
    db: sqlite3.Connection,
    table: str,
    owner_column: str,
    owner: UUID,
    lines: Sequence[Line],
    **fixed: object,
) -> None:
    """Insert `lines` numbered from 1; `fixed` columns get the same value on every line."""
    insert_lines_of(db, table, owner_column, [(owner, lines)], **fixed)


def insert_lines_of(
    db: sqlite3.Connection,
    table: str,
    owner_column: str,
    owned: Iterable[tuple[UUID, Sequence[Line]]],
    **fixed: object,
) -> None:
    """Insert the lines of many owners in one statement, each owner's numbered from 1;
    no statement at all when there are none."""
    rows = [
        (uid(owner), *fixed.values(), n, uid(line.item_id), quantity_in(line.quantity))
        for owner, lines in owned
        for n, line in enumerate(lines, 1)
    ]
    if rows:
        columns = ", ".join((owner_column, *fixed, "line_no", "item_id", "quantity"))
        db.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks([0] * (4 + len(fixed)))})", rows
        )


def load_lines(
    db: sqlite3.Connection, table: str, owner_column: str, owners: list[str], where: str = "1 = 1"
) -> dict[str, tuple[Line, ...]]:
    """Lines of many owners in one query, each at its item's unit scale."""
    if not owners:
        return {}
    rows = db.execute(
        f"SELECT l.{owner_column}, l.item_id, l.quantity, i.unit_scale FROM {table} l"
        f" JOIN items i ON i.id = l.item_id WHERE l.{owner_column} IN ({marks(owners)})"
        f" AND {where} ORDER BY l.{owner_column}, l.line_no",
        owners,
    ).fetchall()
    result: dict[str, list[Line]] = {}
    for owner, item, quantity, scale in rows:
        result.setdefault(owner, []).append(Line(uid_out(item), quantity_out(quantity, scale)))
    return {owner: tuple(lines) for owner, lines in result.items()}
