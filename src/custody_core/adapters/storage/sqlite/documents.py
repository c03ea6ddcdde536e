"""SQLite repositories of posted documents: receipts, shipments and reversals."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from uuid import UUID

from custody_core.adapters.storage.cursors import dated_cursor, number_cursor, paged
from custody_core.adapters.storage.sqlite.base import (
    Repository,
    Row,
    Where,
    insert_lines,
    load_lines,
)
from custody_core.adapters.storage.sqlite.codec import (
    day_in,
    day_out,
    instant_in,
    instant_out,
    uid,
    uid_out,
)
from custody_core.domain.errors import DuplicateDocument
from custody_core.domain.ledger import DocumentKind
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.receipts import Receipt
from custody_core.domain.reversals import Reversal, ReversalNote
from custody_core.domain.shipments import Shipment
from custody_core.ports.storage import DocumentQuery


def _filters(query: DocumentQuery, date_column: str, prefix: str = "") -> Where:
    """WHERE terms of a document query (the account is added by the caller)."""
    return (
        Where()
        .equal(f"{prefix}counterparty_id", query.counterparty_id)
        .equal(f"{prefix}warehouse_id", query.warehouse_id)
        .within(f"{prefix}{date_column}", query.date_from, query.date_to)
    )


#: The reversal `v` of a document, joined to it: its columns read by `_note`.
_REVERSAL_COLUMNS = "v.number, v.reversal_date, v.posted_at, v.reason, v.posted_by"
_REVERSAL_JOIN = "LEFT JOIN reversals v ON v.document_id = {0}.id AND v.account_id = {0}.account_id"


def _reversal_filter(where: Where, query: DocumentQuery) -> Where:
    """The query's `reversed` filter, over the joined reversal `v`."""
    if query.reversed is None:
        return where
    return where.add("v.id IS NOT NULL" if query.reversed else "v.id IS NULL")


def _note(row: Sequence[object]) -> ReversalNote | None:
    """The reversal read by `_REVERSAL_COLUMNS`, None when the document is not reversed."""
    number, on, at, reason, by = row
    if number is None:
        return None
    return ReversalNote(
        int(str(number)), day_out(str(on)), instant_out(str(at)), str(reason), str(by)
    )


class Receipts(Repository):
    _SELECT = (
        "SELECT d.id, d.account_id, d.number, d.document_date, d.counterparty_id, d.contract_id,"
        f" d.warehouse_id, d.posted_at, d.posted_by, {_REVERSAL_COLUMNS}"
        f" FROM documents d {_REVERSAL_JOIN.format('d')}"
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
        insert_lines(self._db, "document_lines", "document_id", r.id, r.lines)

    def get(self, account_id: UUID, receipt_id: UUID) -> Receipt | None:
        rows = self._receipts("d.id = ?", uid(account_id), uid(receipt_id))
        return rows[0] if rows else None

    def by_number(
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

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Receipt]:
        if query.order_id is not None:
            return Page(())
        where = _reversal_filter(_filters(query, "document_date", "d."), query)
        if page.after is not None:
            where.add("(d.document_date, d.posted_at, d.id) > (?, ?, ?)", *dated_cursor(page.after))
        receipts = self._receipts(str(where), uid(account_id), *where.params, limit=page.limit + 1)
        return paged(receipts, page, _receipt_cursor)

    def _receipts(self, where: str, *params: object, limit: int = -1) -> list[Receipt]:
        rows = self._all(
            f"{self._SELECT} WHERE d.account_id = ? AND d.kind = 'receipt' AND {where}"
            " ORDER BY d.document_date, d.posted_at, d.id LIMIT ?",
            *params,
            limit,
        )
        lines = load_lines(self._db, "document_lines", "document_id", [str(row[0]) for row in rows])
        return [
            Receipt(
                id=uid_out(str(id_)),
                account_id=uid_out(str(account)),
                number=str(number),
                date=day_out(str(on)),
                counterparty_id=uid_out(str(cp)),
                contract_id=uid_out(str(contract)),
                warehouse_id=uid_out(str(wh)),
                lines=lines.get(str(id_), ()),
                posted_at=instant_out(str(at)),
                posted_by=str(by),
                reversal=_note(reversal),
            )
            for (id_, account, number, on, cp, contract, wh, at, by, *reversal) in rows
        ]


def _receipt_cursor(receipt: Receipt) -> str:
    return f"{day_in(receipt.date)}|{instant_in(receipt.posted_at)}|{uid(receipt.id)}"


def _number(document: Shipment | Reversal) -> int:
    return document.number


class Shipments(Repository):
    _SELECT = (
        "SELECT s.id, s.account_id, s.number, s.shipment_date, s.order_id, o.number,"
        " s.counterparty_id, s.warehouse_id, s.posted_at, s.posted_by, s.recipient, s.address,"
        f" {_REVERSAL_COLUMNS} FROM shipments s JOIN orders o ON o.id = s.order_id"
        f" {_REVERSAL_JOIN.format('s')}"
    )

    def next_number(self, account_id: UUID) -> int:
        return self._next_number(account_id, "shipment")

    def add(self, shipment: Shipment) -> None:
        s = shipment
        self._db.execute(
            "INSERT INTO shipments (id, account_id, number, shipment_date, order_id,"
            " counterparty_id, warehouse_id, posted_at, posted_by, recipient, address)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid(s.id),
                uid(s.account_id),
                s.number,
                day_in(s.date),
                uid(s.order_id),
                uid(s.counterparty_id),
                uid(s.warehouse_id),
                instant_in(s.posted_at),
                s.posted_by,
                s.recipient,
                s.address,
            ),
        )
        insert_lines(self._db, "shipment_lines", "shipment_id", s.id, s.lines, refused=0)
        insert_lines(self._db, "shipment_lines", "shipment_id", s.id, s.refused, refused=1)

    def get(self, account_id: UUID, shipment_id: UUID) -> Shipment | None:
        found = self._shipments("s.id = ?", uid(account_id), uid(shipment_id))
        return found[0] if found else None

    def by_number(self, account_id: UUID, number: int) -> Shipment | None:
        found = self._shipments("s.number = ?", uid(account_id), number)
        return found[0] if found else None

    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        row = self._one(
            "SELECT counterparty_id FROM shipments WHERE account_id = ? AND number = ?",
            uid(account_id),
            number,
        )
        return None if row is None else uid_out(str(row[0]))

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Shipment]:
        where = _filters(query, "shipment_date", "s.").equal("s.order_id", query.order_id)
        _reversal_filter(where, query)
        where.add("s.number > ?", number_cursor(page.after))
        found = self._shipments(str(where), uid(account_id), *where.params, limit=page.limit + 1)
        return paged(found, page, _number)

    def _shipments(self, where: str, *params: object, limit: int = -1) -> list[Shipment]:
        rows = self._all(
            f"{self._SELECT} WHERE s.account_id = ? AND {where} ORDER BY s.number LIMIT ?",
            *params,
            limit,
        )
        ids = [str(row[0]) for row in rows]
        handed = load_lines(self._db, "shipment_lines", "shipment_id", ids, "l.refused = 0")
        refused = load_lines(self._db, "shipment_lines", "shipment_id", ids, "l.refused = 1")
        return [_shipment(row, handed, refused) for row in rows]


def _shipment(row: Row, handed: dict[str, tuple], refused: dict[str, tuple]) -> Shipment:  # type: ignore[type-arg]
    id_, account, number, on, order, order_number, cp, wh, at, by, recipient, address = row[:12]
    return Shipment(
        id=uid_out(str(id_)),
        account_id=uid_out(str(account)),
        number=int(str(number)),
        date=day_out(str(on)),
        order_id=uid_out(str(order)),
        order_number=int(str(order_number)),
        counterparty_id=uid_out(str(cp)),
        warehouse_id=uid_out(str(wh)),
        lines=handed.get(str(id_), ()),
        refused=refused.get(str(id_), ()),
        posted_at=instant_out(str(at)),
        posted_by=str(by),
        recipient=None if recipient is None else str(recipient),
        address=None if address is None else str(address),
        reversal=_note(row[12:]),
    )


class Reversals(Repository):
    _SELECT = (
        "SELECT id, account_id, number, reversal_date, document_kind, document_id,"
        " counterparty_id, warehouse_id, reason, posted_at, posted_by FROM reversals"
    )

    def next_number(self, account_id: UUID) -> int:
        return self._next_number(account_id, "reversal")

    def add(self, reversal: Reversal) -> None:
        r = reversal
        try:
            self._db.execute(
                "INSERT INTO reversals (id, account_id, number, reversal_date, document_kind,"
                " document_id, counterparty_id, warehouse_id, reason, posted_at, posted_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid(r.id),
                    uid(r.account_id),
                    r.number,
                    day_in(r.date),
                    r.document_kind.value,
                    uid(r.document_id),
                    uid(r.counterparty_id),
                    uid(r.warehouse_id),
                    r.reason,
                    instant_in(r.posted_at),
                    r.posted_by,
                ),
            )
        except sqlite3.IntegrityError as error:
            if "reversals.document_id" not in str(error):
                raise
            raise DuplicateDocument(
                kind=r.kind.value,
                number=r.number,
                year=r.date.year,
                counterparty=str(r.counterparty_id),
            ) from None
        insert_lines(self._db, "reversal_lines", "reversal_id", r.id, r.lines)

    def of_document(self, account_id: UUID, document_id: UUID) -> Reversal | None:
        found = self._reversals("document_id = ?", uid(account_id), uid(document_id))
        return found[0] if found else None

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Reversal]:
        if query.order_id is not None or query.reversed:
            return Page(())
        where = _filters(query, "reversal_date").add("number > ?", number_cursor(page.after))
        found = self._reversals(str(where), uid(account_id), *where.params, limit=page.limit + 1)
        return paged(found, page, _number)

    def _reversals(self, where: str, *params: object, limit: int = -1) -> list[Reversal]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = ? AND {where} ORDER BY number LIMIT ?",
            *params,
            limit,
        )
        lines = load_lines(self._db, "reversal_lines", "reversal_id", [str(row[0]) for row in rows])
        return [
            Reversal(
                id=uid_out(str(id_)),
                account_id=uid_out(str(account)),
                number=int(str(number)),
                date=day_out(str(on)),
                document_kind=DocumentKind(str(kind)),
                document_id=uid_out(str(document)),
                counterparty_id=uid_out(str(cp)),
                warehouse_id=uid_out(str(wh)),
                lines=lines.get(str(id_), ()),
                reason=str(reason),
                posted_at=instant_out(str(at)),
                posted_by=str(by),
            )
            for id_, account, number, on, kind, document, cp, wh, reason, at, by in rows
        ]
