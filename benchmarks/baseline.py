"""The raw sqlite3 baseline of a reservation: what the library's transaction cannot do without.

Per transaction, on the library's own schema and with its connection settings
(WAL, synchronous=NORMAL, foreign keys on, a busy timeout): BEGIN IMMEDIATE,
INSERT of one reservation movement, UPDATE of one balance row, COMMIT. No
reads, no checks, no objects: the floor the library's `confirm_order` is
measured against.

`confirm_statements` is a second, higher floor: the same statements the
library's `confirm_order` sends (read the order with its lines, read the
balance, append the movement, upsert the balance, update the order's state
and version, append the audit entry), issued with no Python around them. The gap between it and the
library is what the library's own code costs; the gap between it and
`reserve` is what reading and versioning an order costs in SQLite.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.common import ONE

#: Same as the library's SQLite backend defaults.
BUSY_TIMEOUT_SECONDS = 5.0
#: A writer that still finds the database locked after its busy timeout tries again, this often.
MAX_RETRIES = 100


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = NORMAL")
    (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
    assert mode == "wal", mode
    return connection


def reserve(
    path: Path,
    key: tuple[str, str, str],
    items: Sequence[str],
    count: int,
    offset: int = 0,
    ready: Callable[[], object] = lambda: None,
) -> tuple[float, float, int]:
    """`count` one-piece reservations of `items` in turn; (started, ended, retries).

    `key` is (account, counterparty, warehouse); `ready` is called once all
    is prepared, just before the clock starts; `started` and `ended` are
    `time.monotonic()` readings, comparable between processes.
    """
    account, counterparty, warehouse = key
    connection = connect(path)
    tasks = [
        (items[(offset + n) % len(items)], str(uuid.uuid4()), "2026-11-20", f"{n:06d}")
        for n in range(count)
    ]
    retries = 0
    try:
        ready()
        started = time.monotonic()
        for item, order, day, tick in tasks:
            while True:
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or retries >= MAX_RETRIES:
                        raise
                    retries += 1
            try:
                connection.execute(
                    "INSERT INTO movements (account_id, counterparty_id, warehouse_id, item_id,"
                    " kind, quantity, document_kind, document_id, order_id, occurred_on,"
                    " posted_at)"
                    " VALUES (?, ?, ?, ?, 'reservation', ?, 'delivery_order', ?, ?, ?, ?)",
                    (
                        account,
                        counterparty,
                        warehouse,
                        item,
                        ONE,
                        order,
                        order,
                        day,
                        f"{day}T12:00:00.{tick}Z",
                    ),
                )
                connection.execute(
                    "UPDATE balances SET reserved = reserved + ? WHERE account_id = ?"
                    " AND counterparty_id = ? AND warehouse_id = ? AND item_id = ?",
                    (ONE, account, counterparty, warehouse, item),
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        ended = time.monotonic()
    finally:
        connection.close()
    return started, ended, retries


def confirm_statements(
    path: Path, account: str, count: int, ready: Callable[[], object] = lambda: None
) -> tuple[float, float, int]:
    """The library's confirm statements for draft orders 1..`count`; (started, ended, 0)."""
    connection = connect(path)
    try:
        drafts = connection.execute(
            "SELECT o.id, o.counterparty_id, o.warehouse_id, l.item_id, l.quantity FROM orders o"
            " JOIN order_lines l ON l.order_id = o.id WHERE o.account_id = ? AND o.number <= ?"
            " ORDER BY o.number",
            (account, count),
        ).fetchall()
        ready()
        started = time.monotonic()
        for n, (order, counterparty, warehouse, item, quantity) in enumerate(drafts):
            key = (account, counterparty, warehouse, item)
            at = f"2026-11-20T12:00:00.{n:06d}Z"
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "SELECT o.*, l.item_id, l.quantity, i.unit_scale FROM orders o"
                " LEFT JOIN order_lines l ON l.order_id = o.id"
                " LEFT JOIN items i ON i.id = l.item_id"
                " WHERE o.account_id = ? AND o.number = ? ORDER BY l.line_no",
                (account, n + 1),
            ).fetchall()
            (on_hand, reserved, _scale) = connection.execute(
                "SELECT on_hand, reserved, unit_scale FROM balances b"
                " JOIN items i ON i.id = b.item_id WHERE b.account_id = ?"
                " AND b.counterparty_id = ? AND b.warehouse_id = ? AND b.item_id = ?",
                key,
            ).fetchone()
            connection.execute(
                "INSERT INTO movements (account_id, counterparty_id, warehouse_id, item_id,"
                " kind, quantity, document_kind, document_id, order_id, occurred_on, posted_at)"
                " VALUES (?, ?, ?, ?, 'reservation', ?, 'delivery_order', ?, ?, ?, ?)",
                (*key, quantity, order, order, at[:10], at),
            )
            connection.execute(
                "INSERT INTO balances (account_id, counterparty_id, warehouse_id, item_id,"
                " on_hand, reserved) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
                " SET on_hand = excluded.on_hand, reserved = excluded.reserved",
                (*key, on_hand, reserved + quantity),
            )
            connection.execute(
                "UPDATE orders SET state = 'confirmed', version = version + 1,"
                " confirmed_at = ?, closed_at = NULL, recipient = NULL, address = NULL,"
                " comment = NULL, failure_reason = NULL"
                " WHERE account_id = ? AND id = ? AND version = 1",
                (at, account, order),
            )
            connection.execute(
                "INSERT INTO audit_log (account_id, at, actor, action, outcome,"
                " counterparty_id, target) VALUES (?, ?, 'bench', 'order.confirm', 'done', ?, ?)",
                (account, at, counterparty, f"order {n + 1}"),
            )
            connection.execute("COMMIT")
        ended = time.monotonic()
    finally:
        connection.close()
    return started, ended, 0


def problems(path: Path, key: tuple[str, str, str], count: int) -> list[str]:
    """The baseline's own invariant, from a fixture with nothing reserved: `count`
    reservation rows and `count` pieces reserved."""
    connection = sqlite3.connect(path)
    try:
        (rows,) = connection.execute(
            "SELECT count(*) FROM movements WHERE kind = 'reservation' AND account_id = ?",
            (key[0],),
        ).fetchone()
        (reserved,) = connection.execute(
            "SELECT sum(reserved) FROM balances WHERE account_id = ?", (key[0],)
        ).fetchone()
    finally:
        connection.close()
    found = []
    if rows != count:
        found.append(f"{rows} reservation movements, expected {count}")
    if reserved != count * ONE:
        found.append(f"{reserved / ONE} reserved, expected {count}")
    return found
