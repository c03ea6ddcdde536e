"""The SQL that closes months in SQLite and PostgreSQL alike: each snapshot table is filled
with running sums of signed movements from the last snapshot, in one statement.

The movement kinds' signs are not written here: they arrive as a `VALUES` list
of bound parameters made from the domain's (`fold_signs`), so a new kind or a
changed sign reaches every database with no SQL to edit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from attrs import frozen

from custody_core.domain.periods import fold_signs


@frozen
class SnapshotTable:
    """A snapshot table and how its rows are summed from movements."""

    name: str
    keys: tuple[str, ...]
    #: Each summed column, with the column of `signs` its movements are signed by.
    amounts: Mapping[str, str]
    #: Which movements count (beyond the account and the month).
    movements_filter: str
    #: Which rows of the previous snapshot count.
    start_filter: str


BALANCES = SnapshotTable(
    "snapshot_balances",
    ("counterparty_id", "warehouse_id", "item_id"),
    {"on_hand": "on_hand", "reserved": "reserved"},
    "",
    "",
)
#: Per order only what it still holds, as `Position.advanced` keeps it.
HOLDS = SnapshotTable(
    "snapshot_holds",
    ("counterparty_id", "warehouse_id", "item_id", "order_id"),
    {"quantity": "held"},
    " AND m.order_id IS NOT NULL AND s.held <> 0",
    " AND quantity > 0",
)


def closing_statement(table: SnapshotTable, mark: str, counterparties: str, months: int) -> str:
    """INSERT of `table`'s rows for `months` month ends; `mark` is the driver's placeholder and
    `counterparties` the condition on `m.counterparty_id` that names the account's (one mark).

    Each month's movements are summed per key, read through the movements_by_date
    index one month at a time (the CROSS JOINs fix that order for SQLite's
    planner), and only changes that are not zero are kept: most orders reserve
    and deliver within a month. The previous snapshot's rows come first; running
    sums over the months follow, each stored at every month end up to its key's
    next change, unless it is zero.
    """
    keys = ", ".join(table.keys)
    m_keys = ", ".join(f"m.{key}" for key in table.keys)
    r_keys = ", ".join(f"r.{key}" for key in table.keys)
    amounts = ", ".join(table.amounts)
    r_amounts = ", ".join(f"r.{amount}" for amount in table.amounts)
    signed = ", ".join(f"sum(m.quantity * s.{sign})" for sign in table.amounts.values())
    changed = " OR ".join(f"sum(m.quantity * s.{sign}) <> 0" for sign in table.amounts.values())
    running = ", ".join(f"sum({amount}) OVER w AS {amount}" for amount in table.amounts)
    nonzero = " OR ".join(f"r.{amount} <> 0" for amount in table.amounts)
    signs = ", ".join([f"({mark}, {mark}, {mark}, {mark})"] * len(fold_signs()))
    ends = ", ".join([f"({mark}, {mark})"] * months)
    return (
        f"INSERT INTO {table.name} (account_id, period_end, {keys}, {amounts})"
        f" WITH signs (kind, on_hand, reserved, held) AS (VALUES {signs}),"
        f" months (period_end, after) AS (VALUES {ends}),"
        f" changes (period_end, {keys}, {amounts}) AS ("
        f"SELECT e.period_end, {m_keys}, {signed}"
        " FROM months e CROSS JOIN movements m CROSS JOIN signs s"
        f" WHERE m.account_id = {mark} AND m.counterparty_id {counterparties}"
        " AND m.occurred_on > e.after AND m.occurred_on <= e.period_end AND s.kind = m.kind"
        f"{table.movements_filter} GROUP BY e.period_end, {m_keys} HAVING {changed}"
        f" UNION ALL SELECT {mark}, {keys}, {amounts} FROM {table.name}"
        f" WHERE account_id = {mark} AND period_end = {mark}{table.start_filter}),"
        f" running AS (SELECT period_end, {keys}, {running},"
        " lead(period_end) OVER w AS next_change"
        f" FROM changes WINDOW w AS (PARTITION BY {keys} ORDER BY period_end))"
        f" SELECT {mark}, e.period_end, {r_keys}, {r_amounts}"
        " FROM running r JOIN months e ON e.period_end >= r.period_end"
        " AND (r.next_change IS NULL OR e.period_end < r.next_change)"
        f" WHERE {nonzero}"
    )


def closing_params(
    account: object, previous: date | None, ends: Sequence[date], day: Callable[[date], object]
) -> list[object]:
    """The parameters of `closing_statement`, the account and days as the driver takes them."""
    start = day(previous or date.min)
    afters = [start, *(day(end) for end in ends[:-1])]
    months = [value for end, after in zip(ends, afters, strict=True) for value in (day(end), after)]
    signs = [value for row in fold_signs() for value in row]
    return [*signs, *months, account, account, start, account, start, account]
