"""What every PostgreSQL repository shares: query helpers, guarded statements, document lines."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from custody_core.adapters.storage.postgres.codec import quantity_out
from custody_core.domain.lines import Line

Row = tuple[Any, ...]
Connection = psycopg.Connection[Row]


class Repository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    @property
    def _locking(self) -> bool:
        """Whether the unit may write, and so locks what it reads in order to change it. A
        read-only unit reads its snapshot and locks nothing (PostgreSQL would refuse a
        FOR UPDATE in it)."""
        return self._db.read_only is not True

    def _one(self, sql: str, *params: object) -> Row | None:
        return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, *params: object) -> list[Row]:
        return self._db.execute(sql, params).fetchall()

    def _next_number(self, account_id: UUID, series: str) -> int:
        """The next number of a per-account series; the counter row stays locked until
        the unit of work ends, so concurrent writers take numbers one after another."""
        row = self._one(
            "INSERT INTO document_numbers (account_id, series, last) VALUES (%s, %s, 1)"
            " ON CONFLICT (account_id, series)"
            " DO UPDATE SET last = document_numbers.last + 1 RETURNING last",
            account_id,
            series,
        )
        assert row is not None
        return int(row[0])

    def _lock(self, *parts: object) -> None:
        """Wait for, then hold until the unit of work ends, the lock named by `parts`."""
        lock_keys(self._db, [lock_key(*parts)])


def lock_key(*parts: object) -> int:
    """A 64-bit advisory lock key naming `parts`; a collision only makes two writers wait."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_keys(db: Connection, keys: Iterable[int], *, shared: bool = False) -> None:
    """Take the transaction's advisory locks `keys` in ascending order, so that two
    writers wanting the same keys never hold one each and wait for the other; `shared`
    locks only keep out a holder of the same key's exclusive lock."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    db.execute(f"SELECT {function}(key) FROM unnest(%s::bigint[]) AS key", (sorted(keys),))


@contextlib.contextmanager
def guarded(db: Connection) -> Iterator[None]:
    """Undo only the statements inside when one fails: PostgreSQL refuses every further
    statement of a failed transaction, and a refused insert must leave the unit usable."""
    db.execute("SAVEPOINT guarded")
    try:
        yield
    except psycopg.Error:
        db.execute("ROLLBACK TO SAVEPOINT guarded; RELEASE SAVEPOINT guarded")
        raise
    db.execute("RELEASE SAVEPOINT guarded")


def violated(error: psycopg.errors.UniqueViolation) -> str:
    """The name of the unique constraint or index `error` is about."""
    return error.diag.constraint_name or ""


class Where:
    """WHERE terms and their parameters, built from optional filters (None adds nothing)."""

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.params: list[object] = []

    def add(self, term: str, *params: object) -> Where:
        self.terms.append(term)
        self.params.extend(params)
        return self

    def equal(self, column: str, value: object | None) -> Where:
        return self if value is None else self.add(f"{column} = %s", value)

    def among(self, column: str, values: Iterable[str] | None) -> Where:
        return self if values is None else self.add(f"{column} = ANY(%s::text[])", sorted(values))

    def within(self, column: str, first: date | None, last: date | None) -> Where:
        if first is not None:
            self.add(f"{column} >= %s", first)
        if last is not None:
            self.add(f"{column} <= %s", last)
        return self

    def __str__(self) -> str:
        return " AND ".join(self.terms) or "true"


def insert_lines(
    db: Connection,
    table: str,
    owner_column: str,
    owned: Iterable[tuple[UUID, Sequence[Line]]],
    **fixed: object,
) -> None:
    """Insert the lines of many owners, each owner's numbered from 1; `fixed` columns get
    the same value on every line. No statement at all when there are none."""
    rows = [
        (owner, *fixed.values(), n, line.item_id, line.quantity)
        for owner, lines in owned
        for n, line in enumerate(lines, 1)
    ]
    if rows:
        columns = ", ".join((owner_column, *fixed, "line_no", "item_id", "quantity"))
        marks = ", ".join(["%s"] * (4 + len(fixed)))
        with db.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def load_lines(
    db: Connection, table: str, owner_column: str, owners: list[UUID], where: str = "true"
) -> dict[UUID, tuple[Line, ...]]:
    """Lines of many owners in one query, each at its item's unit scale."""
    if not owners:
        return {}
    rows = db.execute(
        f"SELECT l.{owner_column}, l.item_id, l.quantity, i.unit_scale FROM {table} l"
        f" JOIN items i ON i.id = l.item_id WHERE l.{owner_column} = ANY(%s::uuid[])"
        f" AND {where} ORDER BY l.{owner_column}, l.line_no",
        (owners,),
    ).fetchall()
    result: dict[UUID, list[Line]] = {}
    for owner, item, quantity, scale in rows:
        result.setdefault(owner, []).append(Line(item, quantity_out(quantity, scale)))
    return {owner: tuple(lines) for owner, lines in result.items()}
